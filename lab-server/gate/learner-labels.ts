/**
 * Labels a learner sets on what they create (containers, volumes, networks, builds). `bulkhead.*` labels
 * are how the lab tells which objects are whose, so only the gate sets them.
 */
import { isReservedLabel } from './naming.ts';
import { forbidden } from './refusal.ts';

export const WHY_RESERVED = 'labels starting with "bulkhead." are how the lab knows which objects are yours; the gate sets them itself';

/** The learner's labels, copied, or a refusal naming the first reserved one. */
export function learnerLabels<T>(labels: Record<string, T> | undefined): Record<string, T> {
  const out: Record<string, T> = {};
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (isReservedLabel(key)) throw forbidden(`setting the label "${key}"`, WHY_RESERVED, 'inspect');
    out[key] = value;
  }
  return out;
}

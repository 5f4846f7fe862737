/**
 * Engine answers, as the learner should see them: their own names (no session prefix, no image
 * namespace, the session network as `bridge`) and no `bulkhead.*` labels. The walk covers keys too, so
 * maps keyed by network name are renamed as well.
 */
import { isReservedLabel, toLearnerText, type SessionIdentity } from './naming.ts';

const LABEL_MAP_KEYS = new Set(['Labels', 'Attributes']);

export function rewriteValue(id: SessionIdentity, value: unknown, parentKey = ''): unknown {
  if (typeof value === 'string') return toLearnerText(id, value);
  if (Array.isArray(value)) return value.map((item) => rewriteValue(id, item, parentKey));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (LABEL_MAP_KEYS.has(parentKey) && isReservedLabel(key)) continue;
      out[toLearnerText(id, key)] = rewriteValue(id, inner, key);
    }
    return out;
  }
  return value;
}

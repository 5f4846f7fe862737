/** Command-line options of `npm run bench`, parsed once. */
import { parseArgs } from 'node:util';

export const MEASUREMENTS = ['start', 'echo', 'throughput', 'rss', 'sessions'] as const;
export type Measurement = (typeof MEASUREMENTS)[number];

export interface BenchOptions {
  /** One JSON object on stdout; progress stays on stderr. */
  json: boolean;
  /** Fewer samples and shorter windows, for a smoke run (the figures are noisier). */
  quick: boolean;
  /** Which measurements run; all when `--only` is absent. */
  only: ReadonlySet<Measurement>;
}

export const USAGE = `Usage: npm run bench -- [--json] [--quick] [--only ${MEASUREMENTS.join(',')}]`;

export function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: { json: { type: 'boolean', default: false }, quick: { type: 'boolean', default: false }, only: { type: 'string' }, help: { type: 'boolean', default: false } },
    strict: true,
  });
  if (values.help) throw new Error(USAGE);
  const only = new Set<Measurement>();
  for (const name of (values.only ?? MEASUREMENTS.join(',')).split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!(MEASUREMENTS as readonly string[]).includes(name)) throw new Error(`--only: unknown measurement "${name}"; choose from ${MEASUREMENTS.join(', ')}.`);
    only.add(name as Measurement);
  }
  return { json: values.json ?? false, quick: values.quick ?? false, only };
}

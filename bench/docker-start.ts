/**
 * Click-to-prompt for a Docker lab (the course's `inspect`): the same measurement as `npm run bench`'s
 * start, but the session also gets its Docker gate and the tunnel whose relay must listen before the
 * shell opens. Warm (pool of one) and cold, p50 and p95 in milliseconds, then one JSON line.
 *
 *   node bench/docker-start.ts     (BENCH_RUNS, default 20)
 */
import { fileURLToPath } from 'node:url';
import { measureStarts } from './measure/start.ts';
import { percentile, round } from './lib/stats.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const COURSE = fileURLToPath(new URL('../content/', import.meta.url));
const figures: Record<string, { p50: number; p95: number }> = {};
for (const kind of ['warm', 'cold'] as const) {
  const { samples } = await measureStarts(kind, RUNS, { content: COURSE, lab: 'inspect' });
  figures[kind] = { p50: round(percentile(samples, 50)), p95: round(percentile(samples, 95)) };
  console.log(`Docker lab start, ${kind}: p50 ${figures[kind].p50} ms, p95 ${figures[kind].p95} ms (${RUNS} starts)`);
}
console.log(JSON.stringify({ docker_lab_start_ms: figures, runs: RUNS }));

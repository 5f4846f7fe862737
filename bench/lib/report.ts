/**
 * From measurements to the published figures (keys as in issue 3), the targets beside them, and the
 * printed table. A figure that could not be measured is null with a reason; its target is N/A, never PASS.
 */
import type { System } from '../drivers/terminal.ts';
import { round } from './stats.ts';

export const FIGURE_KEYS = [
  'start_warm_ms_p50', 'start_warm_ms_p95', 'start_cold_ms_p50', 'start_cold_ms_p95',
  'echo_rtt_ms_p50_ours', 'echo_rtt_ms_p99_ours', 'echo_rtt_ms_p50_wetty', 'echo_rtt_ms_p99_wetty',
  'echo_rtt_ms_p50_floor', 'echo_rtt_ms_p99_floor',
  'throughput_mb_s_ours', 'throughput_mb_s_wetty', 'throughput_mb_s_floor',
  'server_rss_mb', 'sessions_concurrent',
] as const;
export type FigureKey = (typeof FIGURE_KEYS)[number];
export type Figures = Record<FigureKey, number | null>;

export type Status = 'PASS' | 'FAIL' | 'N/A';
export interface Target {
  goal: string;
  status: Status;
  /** The comparison with numbers, e.g. "4.1 ≤ 1.2 × 3.6 = 4.3". */
  detail: string;
}

export function emptyFigures(): Figures {
  return Object.fromEntries(FIGURE_KEYS.map((key) => [key, null])) as Figures;
}

function check(goal: string, values: Array<number | null>, test: (...v: number[]) => boolean, detail: (...v: number[]) => string): Target {
  if (values.some((v) => v === null)) return { goal, status: 'N/A', detail: 'not measured' };
  const v = values as number[];
  return { goal, status: test(...v) ? 'PASS' : 'FAIL', detail: detail(...v) };
}

export function evaluateTargets(f: Figures): Target[] {
  return [
    check('warm start p50 < 300 ms', [f.start_warm_ms_p50], (p) => p < 300, (p) => `${p} ms`),
    check('warm start p95 < 1 s', [f.start_warm_ms_p95], (p) => p < 1000, (p) => `${p} ms`),
    check('echo RTT p99 ≤ 1.2 × floor', [f.echo_rtt_ms_p99_ours, f.echo_rtt_ms_p99_floor], (o, fl) => o <= 1.2 * fl, (o, fl) => `${o} vs ${round(1.2 * fl, 2)} ms`),
    check('echo RTT p99 < WeTTY', [f.echo_rtt_ms_p99_ours, f.echo_rtt_ms_p99_wetty], (o, w) => o < w, (o, w) => `${o} vs ${w} ms`),
    check('throughput ≥ WeTTY', [f.throughput_mb_s_ours, f.throughput_mb_s_wetty], (o, w) => o >= w, (o, w) => `${o} vs ${w} MB/s`),
    check('throughput ≥ 0.5 × floor', [f.throughput_mb_s_ours, f.throughput_mb_s_floor], (o, fl) => o >= 0.5 * fl, (o, fl) => `${o} vs ${round(0.5 * fl, 1)} MB/s`),
    check('RSS growth < 64 MiB, slow reader', [f.server_rss_mb], (g) => g < 64, (g) => `${g} MiB`),
    check('100 concurrent sessions', [f.sessions_concurrent], (n) => n >= 100, (n) => `${n}`),
  ];
}

const cell = (value: number | null | undefined): string => (value === null || value === undefined ? '—' : String(value));

function bySystem(f: Figures, prefix: string): Record<System, number | null> {
  return { ours: f[`${prefix}_ours` as FigureKey], wetty: f[`${prefix}_wetty` as FigureKey], floor: f[`${prefix}_floor` as FigureKey] };
}

/** The table: one row per figure, the systems side by side, each row's targets and their verdicts. */
export function renderTable(f: Figures, targets: readonly Target[]): string {
  const t = (goal: string) => targets.find((x) => x.goal === goal) as Target;
  const verdicts = (...goals: string[]) => ({ target: goals.map((g) => t(g).goal).join('; '), status: goals.map((g) => `${t(g).status} (${t(g).detail})`).join('; ') });
  const echo50 = bySystem(f, 'echo_rtt_ms_p50');
  const echo99 = bySystem(f, 'echo_rtt_ms_p99');
  const tput = bySystem(f, 'throughput_mb_s');
  const rows: string[][] = [
    ['figure', 'ours', 'WeTTY', 'floor', 'target', 'status'],
    ['start, warm pool p50 (ms)', cell(f.start_warm_ms_p50), '', '', ...Object.values(verdicts('warm start p50 < 300 ms'))],
    ['start, warm pool p95 (ms)', cell(f.start_warm_ms_p95), '', '', ...Object.values(verdicts('warm start p95 < 1 s'))],
    ['start, cold p50 (ms)', cell(f.start_cold_ms_p50), '', '', '', 'info'],
    ['start, cold p95 (ms)', cell(f.start_cold_ms_p95), '', '', '', 'info'],
    ['echo RTT p50 (ms)', cell(echo50.ours), cell(echo50.wetty), cell(echo50.floor), '', 'info'],
    ['echo RTT p99 (ms)', cell(echo99.ours), cell(echo99.wetty), cell(echo99.floor), ...Object.values(verdicts('echo RTT p99 ≤ 1.2 × floor', 'echo RTT p99 < WeTTY'))],
    ['throughput, 50 MB (MB/s)', cell(tput.ours), cell(tput.wetty), cell(tput.floor), ...Object.values(verdicts('throughput ≥ WeTTY', 'throughput ≥ 0.5 × floor'))],
    ['server RSS growth, slow reader (MiB)', cell(f.server_rss_mb), '', '', ...Object.values(verdicts('RSS growth < 64 MiB, slow reader'))],
    ['concurrent sessions, echo p99 < 50 ms', cell(f.sessions_concurrent), '', '', ...Object.values(verdicts('100 concurrent sessions'))],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i >= 1 && i <= 3 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/**
 * Concurrent sessions: open sessions a batch at a time against one lab-server process; after each batch
 * (and a pause for the creations to settle) every session types single keys at a typist's pace, all at
 * once, for a window. A level holds when no key is lost (2 s), the p99 echo RTT over all keystrokes of
 * the level is under the threshold, and so is every single session's median (no session starved while
 * the others do well). A per-session p99 is reported too, but with ~30 keys per session it is simply the
 * session's slowest key. The figure is the largest level that held; the first level that fails ends the climb.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OursTerminal } from '../drivers/ours.ts';
import { PROMPT, waitForText } from '../drivers/terminal.ts';
import { onCleanup } from '../lib/cleanup.ts';
import { benchInstance } from '../lib/docker.ts';
import { BENCH_ENTRY, spawnLabServer } from '../lib/lab-server-process.ts';
import { progress, sleep } from '../lib/progress.ts';
import { percentile } from '../lib/stats.ts';
import { clearLine, echoChar, keystroke } from './echo.ts';

export const RTT_LIMIT_MS = 50;
/** Every client is 127.0.0.1 and a new learner: only the global and per-IP caps matter, raised past the climb. */
const SESSION_CAPS = { global: 1000, perIp: 1000, perLearner: 100, createBurst: 1000, createPerMinute: 100_000 };
const START_TIMEOUT_MS = 120_000;
const KEY_TIMEOUT_MS = 2_000;
/** After a batch opened: container starts and shells' start-up work finish before typing is timed. */
const SETTLE_MS = 2_000;

export interface SessionsOptions {
  step: number;
  max: number;
  /** How long every session types at each level. */
  windowMs: number;
  /**
   * Time between one session's keystrokes. 500 ms (2 keys/s from every session at once, for the whole
   * window) is already more than a class averages: learners read, think and run commands between bursts.
   */
  keyIntervalMs: number;
}

export interface Level {
  sessions: number;
  keys: number;
  p50: number;
  p99: number;
  /** The slowest session's median. */
  worstSessionP50: number;
  /** The worst session's own p99 (with ~30 keys, its slowest key). */
  worstSessionP99: number;
  lost: number;
  held: boolean;
}

export interface SessionsResult {
  held: number;
  levels: Level[];
  settings: SessionsOptions & { rttLimitMs: number; caps: typeof SESSION_CAPS; sandboxMemoryMib: number };
}

/** One session typing for the window: keys at a fixed pace from a random phase; a lost key counts as Infinity. */
async function type(term: OursTerminal, options: SessionsOptions): Promise<number[]> {
  const samples: number[] = [];
  await sleep(Math.random() * options.keyIntervalMs);
  const end = performance.now() + options.windowMs;
  for (let i = 0; performance.now() < end; i++) {
    const started = performance.now();
    samples.push(await keystroke(term, echoChar(i), KEY_TIMEOUT_MS).catch(() => Number.POSITIVE_INFINITY));
    await sleep(Math.max(0, options.keyIntervalMs - (performance.now() - started)));
  }
  await clearLine(term);
  return samples;
}

async function openSession(base: string): Promise<OursTerminal> {
  const term = await OursTerminal.connect(base);
  const prompted = waitForText(term, PROMPT, START_TIMEOUT_MS, 'prompt');
  await term.ready(START_TIMEOUT_MS);
  await prompted;
  return term;
}

export async function measureSessions(options: SessionsOptions, sandboxMemoryMib: number): Promise<SessionsResult> {
  const dataDir = await mkdtemp(join(tmpdir(), 'bulkhead-bench-'));
  onCleanup(`data dir ${dataDir}`, () => rm(dataDir, { recursive: true, force: true }));
  const server = await spawnLabServer(BENCH_ENTRY, {
    BULKHEAD_INSTANCE: benchInstance('sessions'), WARM_POOL_SIZE: '0', DATA_DIR: dataDir,
    SANDBOX_MEMORY_MIB: String(sandboxMemoryMib), BENCH_CAPS: JSON.stringify(SESSION_CAPS),
  });
  const terms: OursTerminal[] = [];
  onCleanup('concurrent terminals', () => Promise.all(terms.map((t) => t.close())));
  const result: SessionsResult = { held: 0, levels: [], settings: { ...options, rttLimitMs: RTT_LIMIT_MS, caps: SESSION_CAPS, sandboxMemoryMib } };
  for (let target = options.step; target <= options.max; target += options.step) {
    const opened = performance.now();
    const batch = await Promise.allSettled(Array.from({ length: target - terms.length }, () => openSession(server.url)));
    for (const outcome of batch) if (outcome.status === 'fulfilled') terms.push(outcome.value);
    const failedStarts = batch.filter((o) => o.status === 'rejected').length;
    if (failedStarts) progress(`  ${failedStarts} session(s) did not start: ${String((batch.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason).split('\n')[0]}`);
    const openSeconds = (performance.now() - opened) / 1000;
    await sleep(SETTLE_MS);
    const perSession = await Promise.all(terms.map((term) => type(term, options)));
    const all = perSession.flat();
    const finite = all.filter(Number.isFinite);
    const level: Level = {
      sessions: terms.length,
      keys: all.length,
      p50: finite.length ? percentile(finite, 50) : Number.NaN,
      p99: percentile(all, 99),
      worstSessionP50: Math.max(...perSession.map((s) => (s.length ? percentile(s, 50) : Number.POSITIVE_INFINITY))),
      worstSessionP99: Math.max(...perSession.map((s) => (s.length ? percentile(s, 99) : Number.POSITIVE_INFINITY))),
      lost: (all.length - finite.length) + failedStarts,
      held: false,
    };
    level.held = level.lost === 0 && level.p99 < RTT_LIMIT_MS && level.worstSessionP50 < RTT_LIMIT_MS;
    result.levels.push(level);
    progress(`  ${level.sessions} sessions (batch opened in ${openSeconds.toFixed(1)} s): p50 ${level.p50.toFixed(1)} ms, p99 ${level.p99.toFixed(1)} ms, slowest session p50/p99 ${level.worstSessionP50.toFixed(1)}/${level.worstSessionP99.toFixed(1)} ms, lost ${level.lost} → ${level.held ? 'held' : 'did not hold'}`);
    if (!level.held) break;
    result.held = level.sessions;
  }
  return result;
}

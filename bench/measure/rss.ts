/**
 * lab-server memory under a slow reader: `node lab-server/main.ts` as its own process, one session that
 * prints ~50 MB while the client reads its TCP socket at a throttled rate (pause, then resume in small
 * steps). Flow control should hold the output in Docker's pipe and the kernel, not in lab-server's heap.
 * Growth = peak VmRSS during the transfer minus VmRSS at the idle prompt just before it.
 *
 * On a freshly started server most of that growth is a one-time ramp (V8 enlarging its young generation
 * and keeping the freed pages pooled, glibc keeping freed Buffer memory in its arenas), not output held
 * for the reader. A second identical flood afterwards shows it: its growth over the first one's peak is
 * what each further flood costs, reported as a detail beside the figure.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OursTerminal } from '../drivers/ours.ts';
import { PROMPT, waitForQuiet, waitForText } from '../drivers/terminal.ts';
import { onCleanup } from '../lib/cleanup.ts';
import { benchInstance } from '../lib/docker.ts';
import { MAIN_ENTRY, spawnLabServer } from '../lib/lab-server-process.ts';
import { progress, sleep } from '../lib/progress.ts';
import { OUTPUT_BYTES, transfer } from './throughput.ts';

/** The slow reader's pace: about a tenth of what lab-server delivers to a fast one here. */
export const SLOW_READ_BYTES_PER_S = 5_000_000;
const READ_TICK_MS = 10;
const RSS_POLL_MS = 20;
const IDLE_BEFORE_MS = 1_000;
const MIB = 1024 * 1024;

export interface RssResult {
  baselineMib: number;
  peakMib: number;
  growthMib: number;
  /** Peak during a second identical flood minus the first flood's peak. */
  secondFloodGrowthMib: number;
  /** What the throttled client actually read, per second. */
  readMbPerS: number;
  seconds: number;
}

/** Reads the socket at about `bytesPerS`: a token bucket that pauses the socket when spent. */
function throttle(socket: OursTerminal['socket'], bytesPerS: number): () => void {
  const perTick = (bytesPerS * READ_TICK_MS) / 1000;
  let budget = perTick;
  const onData = (chunk: Buffer) => {
    budget -= chunk.length;
    if (budget <= 0) socket.pause();
  };
  socket.on('data', onData);
  const timer = setInterval(() => {
    budget = Math.min(budget + perTick, perTick);
    if (budget > 0 && socket.isPaused()) socket.resume();
  }, READ_TICK_MS);
  return () => {
    clearInterval(timer);
    socket.off('data', onData);
    socket.resume();
  };
}

export async function measureRss(): Promise<RssResult> {
  const dataDir = await mkdtemp(join(tmpdir(), 'bulkhead-bench-'));
  onCleanup(`data dir ${dataDir}`, () => rm(dataDir, { recursive: true, force: true }));
  const server = await spawnLabServer(MAIN_ENTRY, { BULKHEAD_INSTANCE: benchInstance('rss'), WARM_POOL_SIZE: '0', DATA_DIR: dataDir });
  const term = await OursTerminal.connect(server.url);
  onCleanup('rss terminal', () => term.close());
  const prompted = waitForText(term, PROMPT, 30_000, 'prompt');
  await term.ready();
  await prompted;
  await waitForQuiet(term, 200);
  await sleep(IDLE_BEFORE_MS);
  const baseline = await server.rssBytes();
  const first = await slowFlood(term, () => server.rssBytes(), baseline);
  progress(`  slow reader: ${(first.bytes / 1e6).toFixed(1)} MB in ${first.seconds.toFixed(1)} s; RSS ${(baseline / MIB).toFixed(1)} → peak ${(first.peak / MIB).toFixed(1)} MiB`);
  const second = await slowFlood(term, () => server.rssBytes(), first.peak);
  progress(`  second slow flood: peak ${(second.peak / MIB).toFixed(1)} MiB`);
  return {
    baselineMib: baseline / MIB, peakMib: first.peak / MIB, growthMib: (first.peak - baseline) / MIB,
    secondFloodGrowthMib: (second.peak - first.peak) / MIB, readMbPerS: first.mbPerS, seconds: first.seconds,
  };
}

/** One flood to the throttled reader, polling the server's RSS; `peak` starts at `floor`. */
async function slowFlood(term: OursTerminal, rss: () => Promise<number>, floor: number): Promise<{ peak: number; bytes: number; seconds: number; mbPerS: number }> {
  let peak = floor;
  const poll = setInterval(() => void rss().then((bytes) => { peak = Math.max(peak, bytes); }, () => undefined), RSS_POLL_MS);
  const release = throttle(term.socket, SLOW_READ_BYTES_PER_S);
  try {
    const run = await transfer(term, OUTPUT_BYTES);
    peak = Math.max(peak, await rss());
    return { peak, ...run };
  } finally {
    clearInterval(poll);
    release();
    await waitForQuiet(term, 200).catch(() => undefined);
  }
}

/**
 * Echo RTT and throughput of the three systems side by side: Bulkhead (lab-server in its own process),
 * WeTTY and the floor, each on an equivalent container. All three terminals stay open for the whole
 * measurement and take turns (one keystroke each in turn, then one transfer each per round), so a disturbance
 * on the shared engine lands on all of them rather than on whichever ran at that moment.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FloorTerminal } from '../drivers/floor.ts';
import { OursTerminal } from '../drivers/ours.ts';
import { PROMPT, SYSTEMS, waitForQuiet, waitForText, type BenchTerminal, type System } from '../drivers/terminal.ts';
import { ensureWetty, startWetty, WettyTerminal, type Setup } from '../drivers/wetty.ts';
import { onCleanup } from '../lib/cleanup.ts';
import { benchInstance, startReferenceContainer } from '../lib/docker.ts';
import { BENCH_ENTRY, spawnLabServer } from '../lib/lab-server-process.ts';
import { progress } from '../lib/progress.ts';
import { EchoTyper, WARMUP_KEYS } from './echo.ts';
import { OUTPUT_BYTES, throughputRun, type Transfer } from './throughput.ts';

const PROMPT_TIMEOUT_MS = 30_000;

export interface IoOptions {
  echoKeys: number;
  throughputRuns: number;
  image: string;
}

export interface IoResults {
  echo: Partial<Record<System, number[]>>;
  throughput: Partial<Record<System, Transfer[]>>;
  /** Why a system has no figures. */
  reasons: Partial<Record<System, string>>;
  wetty: Setup;
  floorVia?: string;
}

async function atPrompt(term: BenchTerminal, prompted: Promise<void>): Promise<BenchTerminal> {
  await prompted;
  await waitForQuiet(term, 200);
  return term;
}

async function openOurs(): Promise<BenchTerminal> {
  const dataDir = await mkdtemp(join(tmpdir(), 'bulkhead-bench-'));
  onCleanup(`data dir ${dataDir}`, () => rm(dataDir, { recursive: true, force: true }));
  const server = await spawnLabServer(BENCH_ENTRY, { BULKHEAD_INSTANCE: benchInstance('io'), WARM_POOL_SIZE: '0', DATA_DIR: dataDir });
  const term = await OursTerminal.connect(server.url);
  const prompted = waitForText(term, PROMPT, PROMPT_TIMEOUT_MS, 'prompt');
  await term.ready();
  onCleanup('ours terminal', () => term.close());
  return atPrompt(term, prompted);
}

async function openWetty(image: string, setup: Setup): Promise<BenchTerminal> {
  if (!setup.ok) throw new Error(setup.reason);
  const container = await startReferenceContainer(image, 'wetty');
  const server = await startWetty(container);
  const term = await WettyTerminal.connect(server.url);
  onCleanup('wetty terminal', () => term.close());
  return atPrompt(term, waitForText(term, PROMPT, PROMPT_TIMEOUT_MS, 'prompt'));
}

async function openFloor(image: string, setup: Setup): Promise<FloorTerminal> {
  const container = await startReferenceContainer(image, 'floor');
  const term = FloorTerminal.open(container, setup.ok);
  await atPrompt(term, waitForText(term, PROMPT, PROMPT_TIMEOUT_MS, 'prompt'));
  return term;
}

export async function measureIo(options: IoOptions): Promise<IoResults> {
  const wetty = await ensureWetty();
  const results: IoResults = { echo: {}, throughput: {}, reasons: {}, wetty };
  if (!wetty.ok) progress(`WeTTY unavailable: ${wetty.reason}`);
  const terms = new Map<System, BenchTerminal>();
  const openers: Record<System, () => Promise<BenchTerminal>> = {
    floor: async () => {
      const term = await openFloor(options.image, wetty);
      results.floorVia = term.via;
      return term;
    },
    wetty: () => openWetty(options.image, wetty),
    ours: openOurs,
  };
  for (const system of SYSTEMS) {
    try {
      terms.set(system, await openers[system]());
      progress(`  ${system}: at the prompt`);
    } catch (error) {
      results.reasons[system] = (error as Error).message.split('\n')[0];
      progress(`  ${system}: unavailable (${results.reasons[system]})`);
    }
  }

  const attempt = async (system: System, run: (term: BenchTerminal) => Promise<void>) => {
    const term = terms.get(system);
    if (!term) return;
    try {
      await run(term);
    } catch (error) {
      results.reasons[system] = (error as Error).message.split('\n')[0];
      progress(`  ${system}: failed (${results.reasons[system]})`);
      terms.delete(system);
    }
  };

  // Key by key in turn (ours, WeTTY, floor, ours, ...), so every system types under the same conditions.
  const typers = new Map([...terms].map(([system, term]) => [system, new EchoTyper(term)]));
  const keys = options.echoKeys ? WARMUP_KEYS + options.echoKeys : 0;
  for (let i = 0; i < keys; i++) {
    for (const system of SYSTEMS) {
      await attempt(system, async () => {
        const ms = await (typers.get(system) as EchoTyper).next();
        if (i >= WARMUP_KEYS) (results.echo[system] ??= []).push(ms);
      });
    }
  }
  for (const system of SYSTEMS) if (keys) await attempt(system, () => (typers.get(system) as EchoTyper).finish());
  if (options.echoKeys) progress(`  echo: ${options.echoKeys} keystrokes per system done`);

  for (let round = 1; round <= options.throughputRuns; round++) {
    for (const system of SYSTEMS) {
      await attempt(system, async (term) => {
        const run = await throughputRun(term, OUTPUT_BYTES);
        (results.throughput[system] ??= []).push(run);
        progress(`  throughput ${system} run ${round}: ${run.mbPerS.toFixed(1)} MB/s (${(run.bytes / 1e6).toFixed(1)} MB in ${run.seconds.toFixed(2)} s)`);
      });
    }
  }
  return results;
}

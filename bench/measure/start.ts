/**
 * Click-to-prompt: from sending hello on an open, authenticated WebSocket to the bytes that complete the
 * first prompt. lab-server runs in this process so the bench can end each session and watch the pool.
 * Every start is a new learner and its session is ended (and its sandbox removed) before the next one.
 * warm: a pool of one sandbox per profile, refilled before each start; cold: no pool, so a start creates
 * and starts a container before the exec.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLabServer, type LabServer } from '../../lab-server/main.ts';
import { engineEnv, loadConfig } from '../../lab-server/config.ts';
import { SILENT } from '../../lab-server/ops/log.ts';
import { OursTerminal } from '../drivers/ours.ts';
import { PROMPT, waitForText } from '../drivers/terminal.ts';
import { onCleanup } from '../lib/cleanup.ts';
import { benchInstance, instanceRuntime } from '../lib/docker.ts';
import { FIXTURE_CONTENT } from '../lib/lab-server-process.ts';
import { progress, sleep, waitUntil } from '../lib/progress.ts';

/** Generous, so that many starts in a row from one address are never refused. */
const START_CAPS = { createBurst: 1000, createPerMinute: 100_000, perLearner: 100, perIp: 1000 };
const POOL_FILL_TIMEOUT_MS = 60_000;
const PROMPT_TIMEOUT_MS = 30_000;
const UNTIMED_FIRST_STARTS = 1;

export type StartKind = 'warm' | 'cold';

/** Which course and lab the starts open: by default the fixtures' demo lab (no Docker, no network). */
export interface StartLab { content: string; lab: string }
const DEMO: StartLab = { content: FIXTURE_CONTENT, lab: 'demo' };

async function inProcessServer(kind: StartKind, where: StartLab): Promise<{ lab: LabServer; close: () => Promise<void> }> {
  const instance = benchInstance(`start-${kind}`);
  const dataDir = await mkdtemp(join(tmpdir(), 'bulkhead-bench-'));
  onCleanup(`data dir ${dataDir}`, () => rm(dataDir, { recursive: true, force: true }));
  const poolSize = kind === 'warm' ? 1 : 0;
  const config = loadConfig({ ...engineEnv(), PORT: '0', CONTENT_DIR: where.content, BULKHEAD_INSTANCE: instance, DATA_DIR: dataDir, WARM_POOL_SIZE: String(poolSize) });
  const lab = await startLabServer(config, { runtime: instanceRuntime(instance), log: SILENT, poolSize, caps: START_CAPS });
  return { lab, close: onCleanup(`in-process lab-server ${instance}`, () => lab.close()) };
}

/** The pool is full when nothing is being created and it holds as many sandboxes as after the first fill. */
async function poolRefilled(lab: LabServer, full: number): Promise<void> {
  const pool = lab.sessions.pool;
  await waitUntil(() => pool.pending.size === 0 && pool.size >= full, 'the warm pool to refill', POOL_FILL_TIMEOUT_MS);
}

async function initialPoolSize(lab: LabServer): Promise<number> {
  const pool = lab.sessions.pool;
  let stable = 0;
  let last = -1;
  // Filling is one sandbox at a time, per profile; "full" is when the count stops changing with nothing pending.
  await waitUntil(() => {
    stable = pool.size === last && pool.pending.size === 0 && pool.size > 0 ? stable + 1 : 0;
    last = pool.size;
    return stable >= 10;
  }, 'the warm pool to fill', POOL_FILL_TIMEOUT_MS, 100);
  return pool.size;
}

async function oneStart(lab: LabServer, slug: string): Promise<number> {
  const term = await OursTerminal.open(lab.url, slug);
  const prompt = waitForText(term, PROMPT, PROMPT_TIMEOUT_MS, 'first prompt');
  const sent = performance.now();
  term.hello();
  await prompt;
  const ms = performance.now() - sent;
  const { session } = await term.ready();
  await term.close();
  lab.sessions.end(session);
  await lab.sessions.settled();
  return ms;
}

export async function measureStarts(kind: StartKind, samples: number, where: StartLab = DEMO): Promise<{ samples: number[]; poolSize: number }> {
  const { lab, close } = await inProcessServer(kind, where);
  const full = kind === 'warm' ? await initialPoolSize(lab) : 0;
  const results: number[] = [];
  for (let i = 0; i < UNTIMED_FIRST_STARTS + samples; i++) {
    if (kind === 'warm') await poolRefilled(lab, full);
    else await sleep(100);
    const ms = await oneStart(lab, where.lab);
    if (i >= UNTIMED_FIRST_STARTS) results.push(ms);
    if ((i + 1) % 5 === 0) progress(`  ${kind} start ${i + 1 - UNTIMED_FIRST_STARTS}/${samples}: ${ms.toFixed(0)} ms`);
  }
  // A refill still running when the pool closes would outlive it (WarmPool.close does not wait for it).
  if (kind === 'warm') await poolRefilled(lab, full);
  await close();
  return { samples: results, poolSize: full };
}

/**
 * Latency the Docker gate adds: `docker ps` and `docker run --rm <shell image> true`, each run RUNS
 * times through a gate session's socket and directly against the engine, with the same docker CLI (the
 * host's), as p50 and p90 in milliseconds. Prints a table, then one JSON line for `npm run bench`.
 *
 *   node bench/gate.ts            (needs a Docker Engine and the lab images: npm run images)
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { imageRefs } from '../lab-server/images.ts';
import { uniqueInstance } from '../test/helpers/docker.ts';
import { ENGINE_HOST, removeInstance, startGateSession } from '../test/helpers/gate.ts';
import { percentile, round } from './lib/stats.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const WARMUP_RUNS = 3;
const run = promisify(execFile);

/** `dockerHost` as the docker CLI takes it: the engine's own DOCKER_HOST, or unix://<gate socket>. */
async function time(dockerHost: string, args: string[]): Promise<number[]> {
  const env = { ...process.env, DOCKER_HOST: dockerHost, DOCKER_CLI_HINTS: 'false' };
  for (let i = 0; i < WARMUP_RUNS; i++) await run('docker', args, { env });
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await run('docker', args, { env });
    samples.push(performance.now() - start);
  }
  return samples;
}

const instance = uniqueInstance('bench');
const session = await startGateSession(instance, 'bench');
try {
  const image = (await imageRefs('shell')).hashTag;
  const commands: Array<[string, string[]]> = [['ps', ['ps']], ['run_rm', ['run', '--rm', image, 'true']]];
  const rows: Array<{ command: string; direct: number; gate: number; directP90: number; gateP90: number }> = [];
  for (const [name, args] of commands) {
    const direct = await time(ENGINE_HOST, args);
    const gate = await time(`unix://${session.gate.socketPath}`, args);
    rows.push({ command: name, direct: round(percentile(direct, 50)), gate: round(percentile(gate, 50)), directP90: round(percentile(direct, 90)), gateP90: round(percentile(gate, 90)) });
  }
  console.log(`docker CLI latency over ${RUNS} runs (ms)`);
  console.log('command   direct p50  gate p50  overhead p50  direct p90  gate p90');
  for (const r of rows) {
    console.log(`${r.command.padEnd(9)} ${String(r.direct).padStart(10)} ${String(r.gate).padStart(9)} ${String(round(r.gate - r.direct)).padStart(13)} ${String(r.directP90).padStart(11)} ${String(r.gateP90).padStart(9)}`);
  }
  const overhead = Object.fromEntries(rows.map((r) => [r.command, round(r.gate - r.direct)]));
  console.log(JSON.stringify({
    gate_overhead_ms_p50: overhead,
    direct_ms_p50: Object.fromEntries(rows.map((r) => [r.command, r.direct])),
    gate_ms_p50: Object.fromEntries(rows.map((r) => [r.command, r.gate])),
    runs: RUNS,
  }));
} finally {
  await session.stop();
  await removeInstance(instance);
}

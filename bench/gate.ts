/**
 * Latency the Docker gate adds: `docker ps` and `docker run --rm <shell image> true`, each run RUNS
 * times directly against the engine and through a gate session on a socket of the bench's own host,
 * with the same docker CLI (the host's), as p50 and p90 in milliseconds. Then the learner's real path:
 * the same commands from inside the sandbox, through the session's tunnel (the sandbox's docker CLI),
 * which adds the tunnel's cost to the gate's. Prints a table, then one JSON line for `npm run bench`.
 *
 *   node bench/gate.ts            (needs a Docker Engine and the lab images: npm run images)
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { imageRefs } from '../lab-server/images.ts';
import { uniqueInstance } from '../test/helpers/docker.ts';
import { ENGINE_HOST, listenForGate, removeInstance, startGateSession, type GateSession } from '../test/helpers/gate.ts';
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

/** The same command RUNS times inside the sandbox, through the tunnel; each run's wall time from bash. */
async function timeInSandbox(session: GateSession, args: string[]): Promise<number[]> {
  const command = args.map((a) => `'${a}'`).join(' ');
  const script = `for i in $(seq ${WARMUP_RUNS}); do docker ${command} >/dev/null; done
for i in $(seq ${RUNS}); do s=$(date +%s%N); docker ${command} >/dev/null || exit 1; e=$(date +%s%N); echo $(( (e - s) / 1000 )); done`;
  const result = await session.sh(script, { timeoutMs: 600_000 });
  if (result.exitCode !== 0) throw new Error(`docker ${command} failed in the sandbox: ${result.stderr}`);
  return result.stdout.trim().split('\n').map((us) => Number(us) / 1000);
}

const instance = uniqueInstance('bench');
const session = await startGateSession(instance, 'bench');
const dir = await mkdtemp(join(tmpdir(), 'bulkhead-bench-gate-'));
const socketPath = join(dir, 'gate.sock');
const listener = await listenForGate(session.gate, socketPath);
try {
  const image = (await imageRefs('shell')).hashTag;
  const commands: Array<[string, string[]]> = [['ps', ['ps']], ['run_rm', ['run', '--rm', image, 'true']]];
  const rows: Array<{ command: string; direct: number; gate: number; directP90: number; gateP90: number; sandbox: number; sandboxP90: number }> = [];
  for (const [name, args] of commands) {
    const direct = await time(ENGINE_HOST, args);
    const gate = await time(`unix://${socketPath}`, args);
    const sandbox = await timeInSandbox(session, args);
    rows.push({
      command: name, direct: round(percentile(direct, 50)), gate: round(percentile(gate, 50)), directP90: round(percentile(direct, 90)), gateP90: round(percentile(gate, 90)),
      sandbox: round(percentile(sandbox, 50)), sandboxP90: round(percentile(sandbox, 90)),
    });
  }
  console.log(`docker CLI latency over ${RUNS} runs (ms); "sandbox" is the learner's path: the sandbox's CLI, the tunnel, the gate`);
  console.log('command   direct p50  gate p50  overhead p50  direct p90  gate p90  sandbox p50  sandbox p90');
  for (const r of rows) {
    console.log(`${r.command.padEnd(9)} ${String(r.direct).padStart(10)} ${String(r.gate).padStart(9)} ${String(round(r.gate - r.direct)).padStart(13)} ${String(r.directP90).padStart(11)} ${String(r.gateP90).padStart(9)} ${String(r.sandbox).padStart(12)} ${String(r.sandboxP90).padStart(12)}`);
  }
  const overhead = Object.fromEntries(rows.map((r) => [r.command, round(r.gate - r.direct)]));
  console.log(JSON.stringify({
    gate_overhead_ms_p50: overhead,
    direct_ms_p50: Object.fromEntries(rows.map((r) => [r.command, r.direct])),
    gate_ms_p50: Object.fromEntries(rows.map((r) => [r.command, r.gate])),
    sandbox_ms_p50: Object.fromEntries(rows.map((r) => [r.command, r.sandbox])),
    runs: RUNS,
  }));
} finally {
  listener.close();
  await rm(dir, { recursive: true, force: true });
  await session.stop();
  await removeInstance(instance);
}

/**
 * Several check scripts in ONE exec. A `docker exec` is the expensive part of a check (the engine, containerd
 * and runc each do work for it, outside the sandbox's CPU quota), and a lab's auto-check after every command
 * covers all of its criteria, so one exec per criterion made a room of learners compete with their own
 * terminals for the CPU. Here a small bash driver runs every script side by side, each as its own
 * `bash -c` under coreutils `timeout` (which kills the script's whole process group), and prints one line
 * per script: index, exit status, then stdout and stderr in base64 (bounded), so no script output can
 * break the framing.
 */
import type { SandboxHandle, SandboxRuntime } from '../runtime/sandbox-runtime.ts';

export interface ScriptJob {
  /** bash source, run as the learner in their home folder with stdin from /dev/null. */
  script: string;
  timeoutMs: number;
  /** Bytes of stdout kept (stderr keeps STDERR_BYTES). */
  maxStdoutBytes: number;
}

export interface ScriptResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export class BatchError extends Error {}

const STDERR_BYTES = 4096;
/** What the driver exits with when it cannot make its scratch folder. */
const NO_SCRATCH_EXIT = 97;
/** On top of the slowest script's timeout (+1 s for timeout's KILL): the driver's own work. */
const DRIVER_SLACK_MS = 4_000;
/** The status the driver reports when a script's status file could not be written (a full /tmp). */
export const NO_RESULT_EXIT = -1;
/** coreutils `timeout` exits 124 when the time ran out. */
const TIMEOUT_EXIT = 124;

/**
 * Arguments come in threes: timeout in seconds, stdout bytes to keep, script. Scratch files live in a
 * private folder under $TMPDIR (default /tmp) and are removed on exit.
 */
const DRIVER = `
d=$(mktemp -d 2>/dev/null) || exit ${NO_SCRATCH_EXIT}
trap 'rm -rf -- "$d"' EXIT
n=0
while [ "$#" -ge 3 ]; do
  keep[n]=$2
  ( timeout -k 1 "$1" bash -c "$3" >"$d/$n.o" 2>"$d/$n.e" </dev/null; echo "$?" >"$d/$n.r" ) &
  n=$((n + 1)); shift 3
done
wait
i=0
while [ "$i" -lt "$n" ]; do
  r=$(cat "$d/$i.r" 2>/dev/null); printf '%s %s ' "$i" "\${r:-${NO_RESULT_EXIT}}"
  head -c "\${keep[i]}" "$d/$i.o" 2>/dev/null | base64 -w0
  printf ' '
  head -c ${STDERR_BYTES} "$d/$i.e" 2>/dev/null | base64 -w0
  printf '\\n'
  i=$((i + 1))
done
`;

/** Single-quotes a word for bash. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

function seconds(ms: number): string {
  return String(Math.max(0.1, ms / 1000));
}

/** Parses the driver's lines; a missing or mangled line becomes undefined for that index. */
export function parseDriverOutput(stdout: string, count: number): Array<ScriptResult | undefined> {
  const results: Array<ScriptResult | undefined> = new Array(count).fill(undefined);
  for (const line of stdout.split('\n')) {
    const match = /^(\d+) (-?\d+) ([A-Za-z0-9+/=]*) ([A-Za-z0-9+/=]*)$/.exec(line);
    if (!match) continue;
    const index = Number(match[1]);
    if (index >= count) continue;
    const exitCode = Number(match[2]);
    results[index] = {
      exitCode,
      stdout: Buffer.from(match[3] as string, 'base64').toString('utf8'),
      stderr: Buffer.from(match[4] as string, 'base64').toString('utf8'),
      timedOut: exitCode === TIMEOUT_EXIT,
    };
  }
  return results;
}

/**
 * Runs every job in one exec; identical scripts run once. A job whose line is missing (the driver was
 * killed half-way) comes back undefined; when the exec as a whole fails, throws BatchError with a reason.
 */
export async function runScripts(runtime: SandboxRuntime, sandbox: SandboxHandle, jobs: readonly ScriptJob[]): Promise<Array<ScriptResult | undefined>> {
  if (jobs.length === 0) return [];
  const unique: ScriptJob[] = [];
  const slot = new Map<string, number>();
  const indexOf = jobs.map((job) => {
    const existing = slot.get(job.script);
    if (existing !== undefined) {
      const kept = unique[existing] as ScriptJob;
      unique[existing] = { ...kept, timeoutMs: Math.max(kept.timeoutMs, job.timeoutMs), maxStdoutBytes: Math.max(kept.maxStdoutBytes, job.maxStdoutBytes) };
      return existing;
    }
    slot.set(job.script, unique.length);
    unique.push(job);
    return unique.length - 1;
  });
  const args = unique.flatMap((job) => [seconds(job.timeoutMs), String(job.maxStdoutBytes), job.script]);
  const slowest = Math.max(...unique.map((job) => job.timeoutMs));
  // base64 grows output by 4/3; each line also carries its index and status.
  const maxOutputBytes = unique.reduce((sum, job) => sum + Math.ceil(((job.maxStdoutBytes + STDERR_BYTES) * 4) / 3) + 64, 0);
  const run = await runtime.exec(sandbox, ['bash', '-c', DRIVER, 'bulkhead-check', ...args], { timeoutMs: slowest + 1_000 + DRIVER_SLACK_MS, maxOutputBytes });
  if (run.timedOut) throw new BatchError(`the checks took longer than ${Math.round((slowest + 1_000 + DRIVER_SLACK_MS) / 1000)} s`);
  if (run.exitCode === NO_SCRATCH_EXIT) throw new BatchError('the sandbox has no room left in /tmp; free some space there');
  const parsed = parseDriverOutput(run.stdout, unique.length);
  return indexOf.map((index) => parsed[index]);
}

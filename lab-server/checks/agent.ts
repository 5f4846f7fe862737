/**
 * The check agent: one long-lived bash process per sandbox that runs check scripts on request.
 *
 * A `docker exec` costs about 60–100 ms of CPU in dockerd, containerd and runc, outside the sandbox's
 * quota, and a lab's auto-check after every command covers all of its criteria. One exec per criterion made
 * a room of learners compete with their own terminals for the CPU. The agent is started once (one exec)
 * and then gets each check run as one line on its stdin. It runs every script of the run side by side,
 * each as its own `bash -c` under coreutils `timeout` (which kills the script's whole process group), and
 * answers with one line per script: index, exit status, then stdout and stderr in base64 (bounded), so no
 * script output can break the framing. A check then costs a few forks inside the sandbox.
 *
 * The agent runs as the learner, like every check did before it: the learner can see it (`ps` shows
 * `bulkhead-check`) and kill it, and the next check starts a new one. Checks are feedback, not an exam:
 * someone determined can fake their own results (docs/security.md).
 */
import { LabError } from '../errors.ts';
import { randomBytes } from 'node:crypto';
import type { SandboxHandle, SandboxProcess, SandboxRuntime } from '../runtime/sandbox-runtime.ts';

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

/** The check run as a whole failed; the message is a reason a learner can read. */
export class AgentError extends LabError {
  constructor(reason: string) {
    super('CHECK_AGENT', reason);
    this.name = 'AgentError';
  }
}

/** The name the agent's process shows in `ps`. */
export const AGENT_NAME = 'bulkhead-check';
const STDERR_BYTES = 4096;
/** What a run returns when it cannot make its scratch folder. */
const NO_SCRATCH_STATUS = 97;
/** The status the agent reports when a script's status file could not be written (a full /tmp). */
export const NO_RESULT_EXIT = -1;
/** On top of the slowest script's timeout (+1 s for timeout's KILL): the agent's own work. */
const AGENT_SLACK_MS = 4_000;
/** coreutils `timeout` exits 124 when the time ran out. */
const TIMEOUT_EXIT = 124;

/**
 * One check run: arguments come in threes (timeout in seconds, stdout bytes to keep, script). Scratch files
 * live in a private folder under $TMPDIR (default /tmp), removed when the run ends.
 */
const RUN_FUNCTION = `
bulkhead_check_run() {
  local d n=0 i=0 r
  local -a keep
  d=$(mktemp -d 2>/dev/null) || return ${NO_SCRATCH_STATUS}
  while [ "$#" -ge 3 ]; do
    keep[n]=$2
    ( timeout -k 1 "$1" bash -c "$3" >"$d/$n.o" 2>"$d/$n.e" </dev/null; echo "$?" >"$d/$n.r" ) &
    n=$((n + 1)); shift 3
  done
  wait
  while [ "$i" -lt "$n" ]; do
    r=$(cat "$d/$i.r" 2>/dev/null)
    printf '%s %s ' "$i" "\${r:-${NO_RESULT_EXIT}}"
    head -c "\${keep[i]}" "$d/$i.o" 2>/dev/null | base64 -w0
    printf ' '
    head -c ${STDERR_BYTES} "$d/$i.e" 2>/dev/null | base64 -w0
    printf '\\n'
    i=$((i + 1))
  done
  rm -rf -- "$d"
}
`;

/**
 * The agent's loop: a request is `<nonce> <base64 of the NUL-terminated arguments>`; the answer is the
 * run's lines, then `<nonce> end <status>`. End of file on stdin ends it.
 */
const AGENT_SCRIPT = `${RUN_FUNCTION}
while IFS=' ' read -r nonce request; do
  mapfile -d '' -t args < <(base64 -d <<<"$request" 2>/dev/null)
  bulkhead_check_run "\${args[@]}"
  printf '%s end %s\\n' "$nonce" "$?"
done
`;

/** The agent's command line: it reads its program as the first line of stdin, so `ps` shows one short line. */
const BOOTSTRAP = ['bash', '-c', 'IFS= read -r s && eval "$(base64 -d <<<"$s")"', AGENT_NAME] as const;

/** Single-quotes a word for bash. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Parses a run's lines; a missing or mangled line becomes undefined for that index. */
export function parseRunOutput(lines: readonly string[], count: number): Array<ScriptResult | undefined> {
  const results: Array<ScriptResult | undefined> = new Array(count).fill(undefined);
  for (const line of lines) {
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

interface Pending {
  nonce: string;
  lines: string[];
  bytes: number;
  maxBytes: number;
  settle(error: Error | undefined, answer?: { status: number; lines: string[] }): void;
}

export class CheckAgent {
  private readonly runtime: SandboxRuntime;
  private readonly sandbox: SandboxHandle;
  private process?: SandboxProcess;
  private starting?: Promise<SandboxProcess>;
  private pending?: Pending;
  private partial = '';
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** How many agent processes this object started (tests and the bench read it). */
  starts = 0;

  constructor(runtime: SandboxRuntime, sandbox: SandboxHandle) {
    this.runtime = runtime;
    this.sandbox = sandbox;
  }

  /**
   * Runs every job in one request; identical scripts run once. A job whose line is missing comes back
   * undefined; when the run as a whole fails, throws AgentError with a reason. Runs never overlap.
   */
  run(jobs: readonly ScriptJob[]): Promise<Array<ScriptResult | undefined>> {
    const next = this.queue.then(() => this.runNow(jobs));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Ends the agent (its stdin closes, so it exits); later runs are refused. */
  close(): void {
    this.closed = true;
    this.stop(new AgentError('the lab has ended'));
  }

  private async runNow(jobs: readonly ScriptJob[]): Promise<Array<ScriptResult | undefined>> {
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
    const args = unique.flatMap((job) => [String(Math.max(0.1, job.timeoutMs / 1000)), String(job.maxStdoutBytes), job.script]);
    const timeoutMs = Math.max(...unique.map((job) => job.timeoutMs)) + 1_000 + AGENT_SLACK_MS;
    // base64 grows output by 4/3; each line also carries its index and status.
    const maxBytes = unique.reduce((sum, job) => sum + Math.ceil(((job.maxStdoutBytes + STDERR_BYTES) * 4) / 3) + 64, 0);
    let answer: { status: number; lines: string[] };
    try {
      answer = await this.request(args, timeoutMs, maxBytes);
    } catch (error) {
      // The learner may have ended the agent (kill -9 -1 is a fine thing to try in a lab): start a new one, once.
      if (!(error instanceof StoppedError) || this.closed) throw error;
      answer = await this.request(args, timeoutMs, maxBytes);
    }
    if (answer.status === NO_SCRATCH_STATUS) throw new AgentError('the sandbox has no room left in /tmp; free some space there');
    const parsed = parseRunOutput(answer.lines, unique.length);
    return indexOf.map((index) => parsed[index]);
  }

  private async request(args: readonly string[], timeoutMs: number, maxBytes: number): Promise<{ status: number; lines: string[] }> {
    const agent = await this.ensure();
    const nonce = randomBytes(12).toString('hex');
    const payload = Buffer.from(args.map((arg) => `${arg}\0`).join(''), 'utf8').toString('base64');
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.stop(new AgentError(`the checks took longer than ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
      this.pending = {
        nonce, lines: [], bytes: 0, maxBytes,
        settle: (error, answer) => {
          clearTimeout(timer);
          this.pending = undefined;
          if (error) reject(error);
          else resolve(answer as { status: number; lines: string[] });
        },
      };
      agent.stdin.write(`${nonce} ${payload}\n`);
    });
  }

  private async ensure(): Promise<SandboxProcess> {
    if (this.closed) throw new AgentError('the lab has ended');
    if (this.process) return this.process;
    this.starting ??= (async () => {
      const agent = await this.runtime.spawn(this.sandbox, BOOTSTRAP);
      this.starts++;
      this.partial = '';
      agent.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
      agent.stderr.resume();
      void agent.ended.then(() => {
        if (this.process !== agent) return;
        this.process = undefined;
        this.pending?.settle(new StoppedError('the check process in the sandbox stopped'));
      });
      agent.stdin.write(`${Buffer.from(AGENT_SCRIPT).toString('base64')}\n`);
      this.process = agent;
      if (this.closed) agent.close();
      return agent;
    })().finally(() => { this.starting = undefined; });
    return this.starting;
  }

  private onData(chunk: Buffer): void {
    const text = this.partial + chunk.toString('latin1');
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    const pending = this.pending;
    if (!pending) return;
    if (this.partial.length > pending.maxBytes) return this.stop(new AgentError('the checks printed more than expected'));
    for (const line of lines) {
      if (line.startsWith(`${pending.nonce} end `)) {
        pending.settle(undefined, { status: Number(line.slice(pending.nonce.length + 5)), lines: pending.lines });
        return;
      }
      pending.bytes += line.length + 1;
      if (pending.bytes > pending.maxBytes) return this.stop(new AgentError('the checks printed more than expected'));
      pending.lines.push(line);
    }
  }

  /** Drops the current agent (a new one starts on the next run) and fails the run in flight. */
  private stop(reason: Error): void {
    const agent = this.process;
    this.process = undefined;
    this.partial = '';
    agent?.close();
    this.pending?.settle(reason);
  }
}

/** The agent went away before answering: the run is retried once with a new one. */
class StoppedError extends AgentError {}

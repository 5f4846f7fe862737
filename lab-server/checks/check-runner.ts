/**
 * The checks of one session: run after each command the learner finishes (debounced), on the Check button,
 * and when an answer arrives. This module schedules (the rules in check-schedule.ts: a run never overlaps
 * another, a request during a run makes exactly one more run after it); run-criterion.ts runs a run's
 * criteria as one request to the sandbox's check agent. The server's CheckLimiter bounds how many runs are
 * in flight at once. Results go to the learner's page and to the progress store.
 *
 * A check run: Session prompt → CheckRunner.onPrompt → (debounce) → request → checkExercises
 * (run-criterion.ts) → CheckAgent.run (agent.ts) → results → Progress.record and the page.
 */
import { LabError } from '../errors.ts';
import type { Exercise } from '../../src/lib/lesson-schema.ts';
import type { ServerControl } from '../../src/lib/protocol.ts';
import type { SandboxHandle, SandboxRuntime } from '../runtime/sandbox-runtime.ts';
import type { Progress } from '../progress/progress.ts';
import type { Metrics } from '../ops/metrics.ts';
import { CheckAgent } from './agent.ts';
import { exercisesOf, IDLE, requestRun, runEnded, stopRuns, type CheckTarget, type ScheduleState } from './check-schedule.ts';
import { answerKey, checkExercises, type CriteriaAgent } from './run-criterion.ts';

/** Quiet time after a prompt before checking, so a burst of short commands yields one run. */
export const CHECK_DEBOUNCE_MS = 100;

/**
 * At most `limit` check runs in flight server-wide; the rest wait their turn in arrival order. Checks are
 * background work: on a small machine a burst of them (a room pressing Check at once) would otherwise take
 * the CPU from everyone's terminal, and a check that waits a few hundred milliseconds is not noticed.
 */
export class CheckLimiter {
  private readonly limit: number;
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new LabError('CONFIG_INVALID', `CHECK_CONCURRENCY must be a positive integer, got ${limit}.`);
    this.limit = limit;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next in line, or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }

  /** Checks running and waiting now (for tests and the bench). */
  get load(): { active: number; waiting: number } {
    return { active: this.active, waiting: this.waiting.length };
  }
}

/** The agent a runner checks through: its own CheckAgent on the sandbox, or one given (unit tests). */
type AgentSource = { runtime: SandboxRuntime; sandbox: SandboxHandle } | { agent: CriteriaAgent & Pick<CheckAgent, 'close'> };

export class CheckRunner {
  private readonly agent: CriteriaAgent & Pick<CheckAgent, 'close'>;
  private readonly learner: string;
  private readonly lab: string;
  private readonly exercises: readonly Exercise[];
  private readonly progress: Pick<Progress, 'record'>;
  private readonly send: (message: ServerControl) => void;
  private readonly limiter?: CheckLimiter;
  private readonly metrics?: Pick<Metrics, 'checkRun'>;
  private readonly answers = new Map<string, string>();
  private timer?: NodeJS.Timeout;
  private schedule: ScheduleState = IDLE;
  /** The run in flight, for idle(). */
  private current?: Promise<void>;
  /** Callers whose request waits for the run after the current one. */
  private waiting?: { promise: Promise<void>; resolve: (run: Promise<void>) => void };

  constructor(options: AgentSource & {
    learner: string; lab: string; exercises: readonly Exercise[];
    progress: Pick<Progress, 'record'>; send: (message: ServerControl) => void;
    /** Shared by every session of the server; without one, checks are not throttled. */
    limiter?: CheckLimiter;
    metrics?: Pick<Metrics, 'checkRun'>;
  }) {
    this.agent = 'agent' in options ? options.agent : new CheckAgent(options.runtime, options.sandbox);
    this.learner = options.learner;
    this.lab = options.lab;
    this.exercises = options.exercises;
    this.progress = options.progress;
    this.send = options.send;
    this.limiter = options.limiter;
    this.metrics = options.metrics;
  }

  /** After a command finished: check soon, once. */
  onPrompt(): void {
    if (this.schedule.stopped || this.exercises.length === 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.request(), CHECK_DEBOUNCE_MS);
  }

  answer(exercise: string, criterion: string, value: string): boolean {
    const ex = this.exercises.find((e) => e.id === exercise);
    if (!ex?.criteria.some((c) => c.id === criterion && c.kind === 'answer')) return false;
    this.answers.set(answerKey(exercise, criterion), value);
    void this.request(exercise);
    return true;
  }

  /** Runs the checks of one exercise, or of every exercise; resolves when the results were sent. */
  request(exercise?: string): Promise<void> {
    const { state, start } = requestRun(this.schedule, exercise);
    this.schedule = state;
    if (start) return this.begin(start);
    if (state.again) return (this.waiting ??= deferred()).promise;
    return Promise.resolve();
  }

  private begin(target: CheckTarget): Promise<void> {
    const run = this.run(target).finally(() => this.ended());
    this.current = run;
    return run;
  }

  private ended(): void {
    const { state, start } = runEnded(this.schedule);
    this.schedule = state;
    this.current = undefined;
    const waiting = this.waiting;
    this.waiting = undefined;
    if (start) waiting?.resolve(this.begin(start));
    else waiting?.resolve(Promise.resolve());
  }

  private async run(target: CheckTarget): Promise<void> {
    const exercises = exercisesOf(target, this.exercises);
    const check = () => (this.schedule.stopped ? Promise.resolve([]) : checkExercises(this.agent, exercises, this.answers));
    const started = performance.now();
    let outcomes: Awaited<ReturnType<typeof check>>;
    try {
      outcomes = await (this.limiter ? this.limiter.run(check) : check());
    } catch (error) {
      this.metrics?.checkRun(this.lab, 'error', (performance.now() - started) / 1000);
      throw error;
    }
    if (outcomes.length) {
      const passed = outcomes.every(({ results }) => results.every((result) => result.passed));
      this.metrics?.checkRun(this.lab, passed ? 'passed' : 'failed', (performance.now() - started) / 1000);
    }
    for (const { exercise, results } of outcomes) {
      if (this.schedule.stopped) return;
      const done = this.progress.record(this.learner, this.lab, exercise.id, results);
      this.send({ type: 'checks', lab: this.lab, exercise: exercise.id, done, results });
    }
  }

  /** Waits for the current run and the one it may have scheduled (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.current) await this.current;
  }

  stop(): void {
    this.schedule = stopRuns(this.schedule);
    clearTimeout(this.timer);
    this.agent.close();
  }
}

function deferred(): { promise: Promise<void>; resolve: (run: Promise<void>) => void } {
  let resolve!: (run: Promise<void>) => void;
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
}

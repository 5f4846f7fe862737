/**
 * The checks of one session: run after each command the learner finishes (debounced), on the Check button,
 * and when an answer arrives. A run never overlaps another: a request during a run schedules exactly one
 * more run after it. A run is one request to the sandbox's check agent for all its criteria, and the
 * server's CheckLimiter bounds how many runs are in flight at once. Results go to the learner's page and
 * to the progress store.
 */
import type { Exercise } from '../../src/lib/lesson-schema.ts';
import type { CriterionResult, ServerControl } from '../../src/lib/protocol.ts';
import type { SandboxHandle, SandboxRuntime } from '../runtime/sandbox-runtime.ts';
import type { Progress } from '../progress/progress.ts';
import { CheckAgent } from './agent.ts';
import { couldNotRun, runCriteria } from './run-criterion.ts';

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
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`check concurrency must be a positive integer, got ${limit}`);
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

/** Checks the exercises given in one run of the agent; a failure of the check machinery reads as a failed criterion with a reason. */
export async function checkExercises(
  agent: CheckAgent, exercises: readonly Exercise[], answers: ReadonlyMap<string, string>,
): Promise<Array<{ exercise: Exercise; results: CriterionResult[] }>> {
  const requests = exercises.flatMap((exercise) => exercise.criteria.map((criterion) => ({ criterion, answer: answers.get(`${exercise.id}/${criterion.id}`) })));
  let results: CriterionResult[];
  try {
    results = await runCriteria(agent, requests);
  } catch (error) {
    // runCriteria reports a failed run per criterion itself; this catches a fault in judging the results.
    results = requests.map(({ criterion }) => couldNotRun(criterion.id, error));
  }
  let offset = 0;
  return exercises.map((exercise) => {
    const own = results.slice(offset, offset + exercise.criteria.length);
    offset += exercise.criteria.length;
    return { exercise, results: own };
  });
}

/** Runs every criterion of one exercise. */
export async function checkExercise(agent: CheckAgent, exercise: Exercise, answers: ReadonlyMap<string, string>): Promise<CriterionResult[]> {
  const [outcome] = await checkExercises(agent, [exercise], answers);
  return outcome?.results ?? [];
}

export class CheckRunner {
  private readonly agent: CheckAgent;
  private readonly learner: string;
  private readonly lab: string;
  private readonly exercises: readonly Exercise[];
  private readonly progress: Progress;
  private readonly send: (message: ServerControl) => void;
  private readonly limiter?: CheckLimiter;
  private readonly answers = new Map<string, string>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again?: Set<string> | 'all';
  private stopped = false;

  constructor(options: {
    runtime: SandboxRuntime; sandbox: SandboxHandle; learner: string; lab: string; exercises: readonly Exercise[];
    progress: Progress; send: (message: ServerControl) => void;
    /** Shared by every session of the server; without one, checks are not throttled. */
    limiter?: CheckLimiter;
  }) {
    this.agent = new CheckAgent(options.runtime, options.sandbox);
    this.learner = options.learner;
    this.lab = options.lab;
    this.exercises = options.exercises;
    this.progress = options.progress;
    this.send = options.send;
    this.limiter = options.limiter;
  }

  /** After a command finished: check soon, once. */
  onPrompt(): void {
    if (this.stopped || this.exercises.length === 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.request(), CHECK_DEBOUNCE_MS);
  }

  answer(exercise: string, criterion: string, value: string): boolean {
    const ex = this.exercises.find((e) => e.id === exercise);
    if (!ex?.criteria.some((c) => c.id === criterion && c.kind === 'answer')) return false;
    this.answers.set(`${exercise}/${criterion}`, value);
    void this.request(exercise);
    return true;
  }

  /** Runs the checks of one exercise, or of every exercise; resolves when the results were sent. */
  request(exercise?: string): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      if (exercise === undefined || this.again === 'all') this.again = 'all';
      else this.again = new Set([...(this.again ?? []), exercise]);
      return this.running;
    }
    const targets = exercise === undefined ? this.exercises : this.exercises.filter((e) => e.id === exercise);
    this.running = this.run(targets).finally(() => {
      this.running = undefined;
      const again = this.again;
      this.again = undefined;
      if (again === 'all') void this.request();
      else if (again) for (const id of again) void this.request(id);
    });
    return this.running;
  }

  private async run(exercises: readonly Exercise[]): Promise<void> {
    const check = () => (this.stopped ? Promise.resolve([]) : checkExercises(this.agent, exercises, this.answers));
    const outcomes = await (this.limiter ? this.limiter.run(check) : check());
    for (const { exercise, results } of outcomes) {
      if (this.stopped) return;
      const done = this.progress.record(this.learner, this.lab, exercise.id, results);
      this.send({ type: 'checks', lab: this.lab, exercise: exercise.id, done, results });
    }
  }

  /** Waits for the current run (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.agent.close();
  }
}

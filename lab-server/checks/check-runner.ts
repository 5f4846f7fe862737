/**
 * The checks of one session: run after each command the learner finishes (debounced), on the Check button,
 * and when an answer arrives. A run never overlaps another: a request during a run schedules exactly one
 * more run after it. Results go to the learner's page and to the progress store.
 */
import type { Exercise } from '../../src/lib/lesson-schema.ts';
import type { CriterionResult, ServerControl } from '../../src/lib/protocol.ts';
import type { SandboxHandle, SandboxRuntime } from '../runtime/sandbox-runtime.ts';
import type { Progress } from '../progress/progress.ts';
import { runCriterion } from './run-criterion.ts';

/** Quiet time after a prompt before checking, so a burst of short commands yields one run. */
export const CHECK_DEBOUNCE_MS = 100;
/** Criteria of one exercise run side by side; exercises run one after another. */
const PARALLEL_CRITERIA = 4;

export interface ExerciseOutcome {
  exercise: string;
  done: boolean;
  results: CriterionResult[];
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      out[index] = await fn(items[index] as T);
    }
  }));
  return out;
}

/** Runs every criterion of one exercise; a failure of the check machinery reads as a failed criterion with a reason. */
export async function checkExercise(
  runtime: SandboxRuntime, sandbox: SandboxHandle, exercise: Exercise, answers: ReadonlyMap<string, string>,
): Promise<CriterionResult[]> {
  return mapLimited(exercise.criteria, PARALLEL_CRITERIA, async (criterion) => {
    try {
      return await runCriterion(runtime, sandbox, criterion, answers.get(`${exercise.id}/${criterion.id}`));
    } catch (error) {
      return { criterion: criterion.id, passed: false, message: `The check could not run (${(error as Error).message.slice(0, 120)}); it will retry after your next command.` };
    }
  });
}

export class CheckRunner {
  private readonly runtime: SandboxRuntime;
  private readonly sandbox: SandboxHandle;
  private readonly learner: string;
  private readonly lab: string;
  private readonly exercises: readonly Exercise[];
  private readonly progress: Progress;
  private readonly send: (message: ServerControl) => void;
  private readonly answers = new Map<string, string>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again?: Set<string> | 'all';
  private stopped = false;

  constructor(options: {
    runtime: SandboxRuntime; sandbox: SandboxHandle; learner: string; lab: string; exercises: readonly Exercise[];
    progress: Progress; send: (message: ServerControl) => void;
  }) {
    this.runtime = options.runtime;
    this.sandbox = options.sandbox;
    this.learner = options.learner;
    this.lab = options.lab;
    this.exercises = options.exercises;
    this.progress = options.progress;
    this.send = options.send;
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
    for (const exercise of exercises) {
      if (this.stopped) return;
      const results = await checkExercise(this.runtime, this.sandbox, exercise, this.answers);
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
  }
}

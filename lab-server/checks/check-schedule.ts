/**
 * When a session's checks run, as a pure decision. A run never overlaps another; whatever is asked while
 * one runs becomes exactly one more run after it, covering everything that was asked ('all' absorbs single
 * exercises); after stop nothing starts. CheckRunner (check-runner.ts) holds the state, the debounce timer
 * and the runs, and asks these functions what to start, so the rules are testable with plain values.
 */

/** What one run checks: every exercise of the lab, or the named ones. */
export type CheckTarget = 'all' | ReadonlySet<string>;

export interface ScheduleState {
  /** What the run in flight checks; absent when no run is in flight. */
  readonly running?: CheckTarget;
  /** What was asked during that run: the one run that follows it. */
  readonly again?: CheckTarget;
  readonly stopped: boolean;
}

export const IDLE: ScheduleState = { stopped: false };

export interface ScheduleStep {
  state: ScheduleState;
  /** The run to start now, if any. */
  start?: CheckTarget;
}

/** The target of one request: an exercise id, or every exercise when none is named. */
export function targetOf(exercise?: string): CheckTarget {
  return exercise === undefined ? 'all' : new Set([exercise]);
}

/** One target covering both. */
export function mergeTargets(a: CheckTarget | undefined, b: CheckTarget): CheckTarget {
  if (a === undefined) return b;
  if (a === 'all' || b === 'all') return 'all';
  return new Set([...a, ...b]);
}

/** A check was asked for (the debounced prompt, the Check button, an answer). */
export function requestRun(state: ScheduleState, exercise?: string): ScheduleStep {
  if (state.stopped) return { state };
  const target = targetOf(exercise);
  if (state.running) return { state: { ...state, again: mergeTargets(state.again, target) } };
  return { state: { ...state, running: target }, start: target };
}

/** The run in flight ended (with results or not): start what was asked meanwhile, if anything. */
export function runEnded(state: ScheduleState): ScheduleStep {
  if (state.stopped || !state.again) return { state: { stopped: state.stopped } };
  return { state: { stopped: false, running: state.again }, start: state.again };
}

/** The session ended: nothing more starts; a run in flight is left to finish and its results dropped. */
export function stopRuns(state: ScheduleState): ScheduleState {
  return state.running ? { stopped: true, running: state.running } : { stopped: true };
}

/** The exercises a target covers, in the lab's order. */
export function exercisesOf<T extends { id: string }>(target: CheckTarget, exercises: readonly T[]): T[] {
  return target === 'all' ? [...exercises] : exercises.filter((e) => target.has(e.id));
}

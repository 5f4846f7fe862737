import { describe, expect, it } from 'vitest';
import { exercisesOf, IDLE, mergeTargets, requestRun, runEnded, stopRuns, targetOf, type ScheduleState } from '../../lab-server/checks/check-schedule.ts';

const ids = (target: unknown) => (target instanceof Set ? [...target].sort() : target);

describe('check scheduling', () => {
  it('starts a run at once when none is in flight: every exercise, or the one asked for', () => {
    expect(requestRun(IDLE).start).toBe('all');
    const one = requestRun(IDLE, 'caps');
    expect(ids(one.start)).toEqual(['caps']);
    expect(ids(one.state.running)).toEqual(['caps']);
  });

  it('never starts a second run while one is in flight; it queues exactly one more', () => {
    let state: ScheduleState = requestRun(IDLE).state;
    for (const exercise of ['a', undefined, 'b', 'a']) {
      const step = requestRun(state, exercise);
      expect(step.start, `request ${exercise ?? 'all'} during a run`).toBeUndefined();
      state = step.state;
    }
    expect(state.again).toBe('all');
    const after = runEnded(state);
    expect(after.start).toBe('all');
    expect(after.state).toEqual({ stopped: false, running: 'all' });
    expect(runEnded(after.state)).toEqual({ state: { stopped: false } });
  });

  it('folds single exercises asked during a run into one run of just those', () => {
    let state = requestRun(IDLE).state;
    state = requestRun(state, 'b').state;
    state = requestRun(state, 'a').state;
    state = requestRun(state, 'b').state;
    const after = runEnded(state);
    expect(ids(after.start)).toEqual(['a', 'b']);
  });

  it('goes idle after a run nobody asked to repeat', () => {
    const running = requestRun(IDLE, 'a').state;
    expect(runEnded(running)).toEqual({ state: { stopped: false } });
    expect(requestRun(runEnded(running).state).start).toBe('all');
  });

  it('starts nothing once stopped, neither a new request nor the queued run', () => {
    let state = requestRun(IDLE).state;
    state = requestRun(state, 'a').state;
    state = stopRuns(state);
    expect(state.again).toBeUndefined();
    expect(requestRun(state).start).toBeUndefined();
    expect(runEnded(state)).toEqual({ state: { stopped: true } });
    expect(requestRun(stopRuns(IDLE), 'a')).toEqual({ state: { stopped: true } });
  });

  it("merges targets: 'all' absorbs any exercise, sets unite", () => {
    expect(mergeTargets(undefined, targetOf('a'))).toEqual(new Set(['a']));
    expect(mergeTargets(targetOf('a'), 'all')).toBe('all');
    expect(mergeTargets('all', targetOf('a'))).toBe('all');
    expect(mergeTargets(targetOf('a'), targetOf('b'))).toEqual(new Set(['a', 'b']));
  });

  it("picks the target's exercises in the lab's order, and nothing for an unknown one", () => {
    const lab = [{ id: 'one' }, { id: 'two' }, { id: 'three' }];
    expect(exercisesOf('all', lab)).toEqual(lab);
    expect(exercisesOf(new Set(['three', 'one']), lab)).toEqual([{ id: 'one' }, { id: 'three' }]);
    expect(exercisesOf(new Set(['nope']), lab)).toEqual([]);
  });
});

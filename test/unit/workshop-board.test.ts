import { describe, expect, it } from 'vitest';
import { STUCK_AFTER_MS, buildBoard, lessonCells, type BoardLesson, type LiveState } from '../../lab-server/workshops/board.ts';
import type { Seat, Workshop } from '../../lab-server/workshops/model.ts';
import type { ExerciseResult } from '../../lab-server/workshops/workshop-store.ts';

const MIN = 60_000;
const NOW = 100 * MIN;
const lesson: BoardLesson = { slug: 'caps', number: 8, title: 'Capabilities', exercises: [{ id: 'a', title: 'A' }, { id: 'b', title: 'B' }, { id: 'c', title: 'C' }] };

function result(exercise: string, fields: Partial<ExerciseResult> = {}): ExerciseResult {
  return { seat: 's1', lab: 'caps', exercise, firstAt: NOW - 10 * MIN, lastAt: NOW - MIN, attempts: 3, passed: 0, total: 2, message: 'not yet', ...fields };
}

function cells(results: ExerciseResult[], now = NOW) {
  return lessonCells(lesson, new Map(results.map((r) => [`${r.lab}/${r.exercise}`, r])), now);
}

describe('board cells', () => {
  it('show a lesson whose lab never ran a check as not started', () => {
    expect(cells([])).toEqual({});
  });

  it('mark the first exercise not done as in progress, then failing once it fails for STUCK_AFTER_MS', () => {
    const firstAt = NOW - 2 * MIN;
    expect(cells([result('a', { firstAt }), result('b', { firstAt }), result('c', { firstAt })])['caps/a']).toEqual({
      state: 'in-progress', since: firstAt, message: 'not yet', passed: 0, total: 2,
    });
    expect(cells([result('a', { firstAt })], firstAt + STUCK_AFTER_MS)['caps/a']?.state).toBe('failing');
  });

  it('count the time on an exercise from when the one before it was done', () => {
    const doneAt = NOW - 3 * MIN;
    const out = cells([result('a', { doneAt, passed: 2 }), result('b'), result('c')]);
    expect(out['caps/a']).toEqual({ state: 'done', doneAt, passed: 2, total: 2 });
    expect(out['caps/b']).toMatchObject({ state: 'in-progress', since: doneAt });
    expect(out['caps/c'], 'an exercise further on, with nothing passing, is not started').toBeUndefined();
  });

  it('show a later exercise with a passing criterion as in progress, without a clock', () => {
    const out = cells([result('a'), result('b'), result('c', { passed: 1, message: 'one left' })]);
    expect(out['caps/a']?.state).toBe('failing');
    expect(out['caps/c']).toEqual({ state: 'in-progress', message: 'one left', passed: 1, total: 2 });
  });
});

describe('the board', () => {
  const workshop: Workshop = { id: 'w', code: 'K7M2QX', title: 'Room', lessons: ['caps'], seats: 5, startsAt: 0, endsAt: 200 * MIN, createdAt: 0 };
  const seat = (id: string, name: string): Seat => ({ id, workshop: 'w', learner: `learner-${id}`, name, joinedAt: 0 });
  const idle: LiveState = { connected: false, labs: [], watched: false };

  it('puts the most stuck first: fewest done, then longest failing, then longest idle, then name', () => {
    const seats = [seat('s1', 'Done one'), seat('s2', 'Stuck long'), seat('s3', 'Stuck short'), seat('s4', 'Zed idle'), seat('s5', 'Amy idle')];
    const results = [
      { ...result('a', { doneAt: NOW - MIN, passed: 2 }), seat: 's1' },
      { ...result('a', { firstAt: NOW - 30 * MIN }), seat: 's2' },
      { ...result('a', { firstAt: NOW - 8 * MIN }), seat: 's3' },
    ];
    const live = (learner: string): LiveState => (learner === 'learner-s4' ? { ...idle, labs: ['caps'], lastInputAt: NOW - 20 * MIN } : learner === 'learner-s5' ? { ...idle, labs: ['caps'], lastInputAt: NOW - 5 * MIN } : idle);
    const board = buildBoard({ workshop, lessons: [lesson], seats, results, live, now: NOW });
    expect(board.roster.map((r) => r.name)).toEqual(['Stuck long', 'Stuck short', 'Zed idle', 'Amy idle', 'Done one']);
    expect(board.roster[0]).toMatchObject({ done: 0, stuckMs: 30 * MIN, cells: { 'caps/a': { state: 'failing' } } });
    expect(board.workshop).toMatchObject({ code: 'K7M2QX', status: 'running', seats: 5, seatsUsed: 5, exercises: 3 });
  });

  it('carries who is connected, in which labs, since when idle, and whether watched', () => {
    const live = (): LiveState => ({ connected: true, labs: ['caps'], lastInputAt: NOW - 1_000, watched: true });
    const board = buildBoard({ workshop, lessons: [lesson], seats: [seat('s1', 'Ada')], results: [], live, now: NOW });
    expect(board.roster[0]).toEqual({
      seat: 's1', name: 'Ada', joinedAt: 0, connected: true, labs: ['caps'], lastInputAt: NOW - 1_000, watched: true, done: 0, stuckMs: 0, cells: {},
    });
    expect(JSON.stringify(board)).not.toContain('learner-s1');
  });
});

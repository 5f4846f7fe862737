/**
 * The instructor's board as data: one row per seat, one cell per exercise of the workshop's lessons, and
 * the order "most stuck first". Pure, so the rules below are unit-tested and documented once:
 *
 * - done: every criterion passed together once (sticky, as in the progress store).
 * - in progress: the learner's current exercise in a lesson they started (the first one not done), or
 *   an exercise where some criterion passes already.
 * - failing: the current exercise, still not passing STUCK_AFTER_MS after the learner got to it; the
 *   cell carries the latest failing check's message.
 * - not started: everything else.
 *
 * Checks run after every command for every exercise of the open lab, so "has results" alone says
 * nothing about effort; "current exercise" and "how long on it" do.
 */
import type { Seat, Workshop, WorkshopStatus } from './model.ts';
import { statusOf } from './model.ts';
import type { ExerciseResult } from './workshop-store.ts';

/** How long the current exercise may fail before the board calls the learner stuck on it. */
export const STUCK_AFTER_MS = 5 * 60_000;

export type { BoardCell, BoardLesson, BoardRow, BoardSnapshot, CellState } from '../../src/lib/workshop-view.ts';
import type { BoardCell, BoardLesson, BoardRow, BoardSnapshot } from '../../src/lib/workshop-view.ts';

/** What the sessions say about a learner right now. */
export interface LiveState {
  /** A browser tab is attached to one of their labs. */
  connected: boolean;
  /** Labs with a live sandbox. */
  labs: string[];
  /** Latest keystroke in any of their labs. */
  lastInputAt?: number;
  /** Someone is shadowing them. */
  watched: boolean;
}

export function cellKey(lab: string, exercise: string): string {
  return `${lab}/${exercise}`;
}

/** Cells of one learner in one lesson. */
export function lessonCells(lesson: BoardLesson, results: ReadonlyMap<string, ExerciseResult>, now: number, stuckAfterMs = STUCK_AFTER_MS): Record<string, BoardCell> {
  const cells: Record<string, BoardCell> = {};
  const mine = lesson.exercises.map((e) => results.get(cellKey(lesson.slug, e.id)));
  const started = mine.some(Boolean);
  if (!started) return cells;
  const labStart = Math.min(...mine.filter((r): r is ExerciseResult => Boolean(r)).map((r) => r.firstAt));
  const current = lesson.exercises.findIndex((_, i) => mine[i]?.doneAt === undefined);
  lesson.exercises.forEach((exercise, i) => {
    const result = mine[i];
    const key = cellKey(lesson.slug, exercise.id);
    if (result?.doneAt !== undefined) {
      cells[key] = { state: 'done', doneAt: result.doneAt, passed: result.total, total: result.total };
      return;
    }
    const detail = result ? { message: result.message, passed: result.passed, total: result.total } : {};
    if (i === current) {
      const previousDone = i > 0 ? mine[i - 1]?.doneAt : undefined;
      const since = Math.max(result?.firstAt ?? labStart, previousDone ?? 0);
      cells[key] = { state: now - since >= stuckAfterMs ? 'failing' : 'in-progress', since, ...detail };
    } else if (result && result.passed > 0) {
      cells[key] = { state: 'in-progress', ...detail };
    }
  });
  return cells;
}

export function buildBoard(input: {
  workshop: Workshop; lessons: readonly BoardLesson[]; seats: readonly Seat[]; results: readonly ExerciseResult[];
  live: (learner: string) => LiveState; now: number; stuckAfterMs?: number;
}): BoardSnapshot {
  const { workshop, lessons, now } = input;
  const bySeat = new Map<string, Map<string, ExerciseResult>>();
  for (const result of input.results) {
    const map = bySeat.get(result.seat) ?? new Map<string, ExerciseResult>();
    map.set(cellKey(result.lab, result.exercise), result);
    bySeat.set(result.seat, map);
  }
  const roster = input.seats.map((seat): BoardRow => {
    const results = bySeat.get(seat.id) ?? new Map<string, ExerciseResult>();
    const cells: Record<string, BoardCell> = {};
    for (const lesson of lessons) Object.assign(cells, lessonCells(lesson, results, now, input.stuckAfterMs));
    const states = Object.values(cells);
    const live = input.live(seat.learner);
    return {
      seat: seat.id, name: seat.name, joinedAt: seat.joinedAt, connected: live.connected, labs: live.labs, watched: live.watched,
      ...(live.lastInputAt === undefined ? {} : { lastInputAt: live.lastInputAt }),
      done: states.filter((c) => c.state === 'done').length,
      stuckMs: Math.max(0, ...states.filter((c) => c.state === 'failing' || c.state === 'in-progress').map((c) => (c.since === undefined ? 0 : now - c.since))),
      cells,
    };
  });
  roster.sort(mostStuckFirst(now));
  return {
    workshop: {
      code: workshop.code, title: workshop.title, status: statusOf(workshop, now), startsAt: workshop.startsAt, endsAt: workshop.endsAt,
      ...(workshop.endedAt === undefined ? {} : { endedAt: workshop.endedAt }),
      seats: workshop.seats, seatsUsed: input.seats.length, lessons: [...lessons],
      exercises: lessons.reduce((n, l) => n + l.exercises.length, 0),
    },
    now,
    roster,
  };
}

export function mostStuckFirst(now: number): (a: BoardRow, b: BoardRow) => number {
  const idle = (row: BoardRow) => (row.lastInputAt === undefined ? -1 : now - row.lastInputAt);
  return (a, b) => a.done - b.done || b.stuckMs - a.stuckMs || idle(b) - idle(a) || a.name.localeCompare(b.name) || a.seat.localeCompare(b.seat);
}

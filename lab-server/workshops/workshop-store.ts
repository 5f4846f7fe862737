/** Workshops, seats and per-exercise results in the store (tables of migration 0002-workshops). */
import type { CriterionResult } from '../../src/lib/protocol.ts';
import type { Store } from '../store/store.ts';
import type { Seat, Workshop } from './model.ts';

interface WorkshopRow {
  id: string; code: string; title: string; lessons: string; seats: number; starts_at: number; ends_at: number;
  ended_at: number | null; secret_hash: string; created_at: number;
}
interface SeatRow { id: string; workshop: string; learner: string; name: string; joined_at: number }
interface ResultRow {
  seat: string; lab: string; exercise: string; first_at: number; last_at: number; attempts: number;
  passed: number; total: number; message: string; done_at: number | null;
}

/** One learner's latest standing on one exercise, as the board and the export read it. */
export interface ExerciseResult {
  seat: string;
  lab: string;
  exercise: string;
  /** First and latest check run during the workshop. */
  firstAt: number;
  lastAt: number;
  attempts: number;
  /** Criteria that passed in the latest run, of `total`. */
  passed: number;
  total: number;
  /** The first failing criterion's message in the latest run; empty when it passed. */
  message: string;
  doneAt?: number;
}

function toWorkshop(row: WorkshopRow): Workshop {
  return {
    id: row.id, code: row.code, title: row.title, lessons: JSON.parse(row.lessons) as string[], seats: row.seats,
    startsAt: row.starts_at, endsAt: row.ends_at, createdAt: row.created_at, ...(row.ended_at === null ? {} : { endedAt: row.ended_at }),
  };
}

function toSeat(row: SeatRow): Seat {
  return { id: row.id, workshop: row.workshop, learner: row.learner, name: row.name, joinedAt: row.joined_at };
}

function toResult(row: ResultRow): ExerciseResult {
  return {
    seat: row.seat, lab: row.lab, exercise: row.exercise, firstAt: row.first_at, lastAt: row.last_at, attempts: row.attempts,
    passed: row.passed, total: row.total, message: row.message, ...(row.done_at === null ? {} : { doneAt: row.done_at }),
  };
}

export class WorkshopStore {
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  transaction<T>(fn: () => T): T {
    return this.store.transaction(fn);
  }

  insert(workshop: Workshop, secretHash: string): void {
    this.store.db.prepare(`INSERT INTO workshops (id, code, title, lessons, seats, starts_at, ends_at, ended_at, secret_hash, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`).run(
      workshop.id, workshop.code, workshop.title, JSON.stringify(workshop.lessons), workshop.seats, workshop.startsAt, workshop.endsAt, secretHash, workshop.createdAt,
    );
  }

  codeTaken(code: string): boolean {
    return this.store.db.prepare('SELECT 1 FROM workshops WHERE code = ?').get(code) !== undefined;
  }

  byCode(code: string): { workshop: Workshop; secretHash: string } | undefined {
    const row = this.store.db.prepare('SELECT * FROM workshops WHERE code = ?').get(code) as WorkshopRow | undefined;
    return row && { workshop: toWorkshop(row), secretHash: row.secret_hash };
  }

  byId(id: string): Workshop | undefined {
    const row = this.store.db.prepare('SELECT * FROM workshops WHERE id = ?').get(id) as WorkshopRow | undefined;
    return row && toWorkshop(row);
  }

  all(): Workshop[] {
    return (this.store.db.prepare('SELECT * FROM workshops ORDER BY starts_at DESC').all() as unknown as WorkshopRow[]).map(toWorkshop);
  }

  /** Workshops not yet ended by anyone (the clock may still have to end them). */
  open(): Workshop[] {
    return (this.store.db.prepare('SELECT * FROM workshops WHERE ended_at IS NULL').all() as unknown as WorkshopRow[]).map(toWorkshop);
  }

  setEndsAt(id: string, endsAt: number): void {
    this.store.db.prepare('UPDATE workshops SET ends_at = ? WHERE id = ?').run(endsAt, id);
  }

  /** Marks it ended; false when it already was. */
  markEnded(id: string, at: number): boolean {
    return Number(this.store.db.prepare('UPDATE workshops SET ended_at = ? WHERE id = ? AND ended_at IS NULL').run(at, id).changes) > 0;
  }

  seats(workshop: string): Seat[] {
    return (this.store.db.prepare('SELECT * FROM workshop_seats WHERE workshop = ? ORDER BY joined_at, rowid').all(workshop) as unknown as SeatRow[]).map(toSeat);
  }

  seatCount(workshop: string): number {
    return Number((this.store.db.prepare('SELECT count(*) AS n FROM workshop_seats WHERE workshop = ?').get(workshop) as { n: number }).n);
  }

  seat(id: string): Seat | undefined {
    const row = this.store.db.prepare('SELECT * FROM workshop_seats WHERE id = ?').get(id) as SeatRow | undefined;
    return row && toSeat(row);
  }

  seatOf(workshop: string, learner: string): Seat | undefined {
    const row = this.store.db.prepare('SELECT * FROM workshop_seats WHERE workshop = ? AND learner = ?').get(workshop, learner) as SeatRow | undefined;
    return row && toSeat(row);
  }

  /** The learner's most recent seat: a learner belongs to the last workshop they joined. */
  latestSeat(learner: string): Seat | undefined {
    const row = this.store.db.prepare('SELECT * FROM workshop_seats WHERE learner = ? ORDER BY joined_at DESC, rowid DESC LIMIT 1').get(learner) as SeatRow | undefined;
    return row && toSeat(row);
  }

  insertSeat(seat: Seat): void {
    this.store.db.prepare('INSERT INTO workshop_seats (id, workshop, learner, name, joined_at) VALUES (?, ?, ?, ?, ?)').run(seat.id, seat.workshop, seat.learner, seat.name, seat.joinedAt);
  }

  renameSeat(id: string, name: string): void {
    this.store.db.prepare('UPDATE workshop_seats SET name = ? WHERE id = ?').run(name, id);
  }

  /** Records one check run of one exercise; `done` is sticky, as in the progress store. */
  recordResult(seat: string, lab: string, exercise: string, results: readonly CriterionResult[], done: boolean, at: number): void {
    const passed = results.filter((r) => r.passed).length;
    const message = results.find((r) => !r.passed)?.message ?? '';
    this.store.db.prepare(`INSERT INTO workshop_results (seat, lab, exercise, first_at, last_at, attempts, passed, total, message, done_at)
      VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?)
      ON CONFLICT (seat, lab, exercise) DO UPDATE SET last_at = excluded.last_at, attempts = attempts + 1, passed = excluded.passed,
        total = excluded.total, message = excluded.message, done_at = coalesce(done_at, excluded.done_at)`).run(
      seat, lab, exercise, at, at, passed, results.length, message, done ? at : null,
    );
  }

  results(workshop: string): ExerciseResult[] {
    return (this.store.db.prepare(`SELECT r.* FROM workshop_results r JOIN workshop_seats s ON s.id = r.seat WHERE s.workshop = ?`)
      .all(workshop) as unknown as ResultRow[]).map(toResult);
  }
}

/**
 * Results of a workshop for the instructor's records: one entry per learner per exercise, as JSON and
 * as CSV. Times are ISO 8601 in UTC. CSV cells that a spreadsheet would run as a formula are defused.
 */
import type { Seat, Workshop } from './model.ts';
import type { BoardLesson } from './board.ts';
import type { ExerciseResult } from './workshop-store.ts';

export interface ExportRow {
  learner: string;
  seat: string;
  joinedAt: string;
  lesson: string;
  exercise: string;
  exerciseTitle: string;
  done: boolean;
  doneAt: string | null;
  /** Check runs of this exercise during the workshop. */
  checks: number;
  passed: number;
  criteria: number;
  /** The latest failing check's message; empty when it passes or never ran. */
  lastMessage: string;
  lastCheckedAt: string | null;
}

export interface WorkshopExport {
  workshop: { code: string; title: string; lessons: string[]; seats: number; startsAt: string; endsAt: string; endedAt: string | null };
  exportedAt: string;
  rows: ExportRow[];
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

export function exportRows(workshop: Workshop, lessons: readonly BoardLesson[], seats: readonly Seat[], results: readonly ExerciseResult[], now: number): WorkshopExport {
  const byKey = new Map(results.map((r) => [`${r.seat}/${r.lab}/${r.exercise}`, r]));
  const rows: ExportRow[] = [];
  for (const seat of seats) {
    for (const lesson of lessons) {
      for (const exercise of lesson.exercises) {
        const result = byKey.get(`${seat.id}/${lesson.slug}/${exercise.id}`);
        rows.push({
          learner: seat.name, seat: seat.id, joinedAt: new Date(seat.joinedAt).toISOString(), lesson: lesson.slug, exercise: exercise.id,
          exerciseTitle: exercise.title, done: result?.doneAt !== undefined, doneAt: iso(result?.doneAt), checks: result?.attempts ?? 0,
          passed: result?.passed ?? 0, criteria: result?.total ?? 0, lastMessage: result?.doneAt === undefined ? (result?.message ?? '') : '',
          lastCheckedAt: iso(result?.lastAt),
        });
      }
    }
  }
  return {
    workshop: {
      code: workshop.code, title: workshop.title, lessons: workshop.lessons, seats: workshop.seats,
      startsAt: new Date(workshop.startsAt).toISOString(), endsAt: new Date(workshop.endsAt).toISOString(), endedAt: iso(workshop.endedAt),
    },
    exportedAt: new Date(now).toISOString(),
    rows,
  };
}

const CSV_COLUMNS: Array<keyof ExportRow> = [
  'learner', 'seat', 'joinedAt', 'lesson', 'exercise', 'exerciseTitle', 'done', 'doneAt', 'checks', 'passed', 'criteria', 'lastMessage', 'lastCheckedAt',
];

/** One CSV field: quoted, quotes doubled, and a leading = + - @ (a formula to a spreadsheet) prefixed with '. */
export function csvField(value: unknown): string {
  let text = value === null || value === undefined ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return `"${text.replace(/"/g, '""')}"`;
}

export function toCsv(data: WorkshopExport): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of data.rows) lines.push(CSV_COLUMNS.map((c) => csvField(row[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * The instructor's read-only views of a workshop: its lessons as the board shows them, the board snapshot
 * (stored results joined with the live sessions) and the results export. Always read from the store, so
 * a view is never staler than the last check result.
 */
import type { LabCatalog } from '../labs/catalog.ts';
import { buildBoard, type BoardLesson, type BoardSnapshot, type LiveState } from './board.ts';
import { exportRows, type WorkshopExport } from './export.ts';
import { liveStates, type LiveSessions } from './live.ts';
import type { Workshop } from './model.ts';
import type { WorkshopStore } from './workshop-store.ts';

/** The workshop's lessons, in its order, with their exercises; slugs the course no longer has are left out. */
export function boardLessons(catalog: Pick<LabCatalog, 'lesson'>, workshop: Workshop): BoardLesson[] {
  return workshop.lessons.flatMap((slug) => {
    const lesson = catalog.lesson(slug);
    return lesson ? [{ slug, number: lesson.order, title: lesson.navTitle, exercises: lesson.exercises.map((e) => ({ id: e.id, title: e.title })) }] : [];
  });
}

export class WorkshopViews {
  private readonly store: WorkshopStore;
  private readonly catalog: Pick<LabCatalog, 'lesson'>;
  private readonly sessions: Pick<LiveSessions, 'all'>;
  private readonly now: () => number;
  private readonly stuckAfterMs?: number;

  constructor(options: { store: WorkshopStore; catalog: Pick<LabCatalog, 'lesson'>; sessions: Pick<LiveSessions, 'all'>; now: () => number; stuckAfterMs?: number }) {
    this.store = options.store;
    this.catalog = options.catalog;
    this.sessions = options.sessions;
    this.now = options.now;
    this.stuckAfterMs = options.stuckAfterMs;
  }

  board(workshop: Workshop): BoardSnapshot {
    const fresh = this.store.byId(workshop.id) ?? workshop;
    const live = liveStates(this.sessions.all());
    const idle: LiveState = { connected: false, labs: [], watched: false };
    return buildBoard({
      workshop: fresh, lessons: boardLessons(this.catalog, fresh), seats: this.store.seats(fresh.id), results: this.store.results(fresh.id),
      live: (learner) => live.get(learner) ?? idle, now: this.now(), stuckAfterMs: this.stuckAfterMs,
    });
  }

  exportResults(workshop: Workshop): WorkshopExport {
    const fresh = this.store.byId(workshop.id) ?? workshop;
    return exportRows(fresh, boardLessons(this.catalog, fresh), this.store.seats(fresh.id), this.store.results(fresh.id), this.now());
  }
}

/**
 * What a workshop's learners are told: instructor messages, extensions, the warning before the end and
 * the end itself. Each goes at once to every open lab of the workshop's learners, and the latest one is
 * kept, so a learner without an open lab finds it on their next page (GET /api/workshop/me).
 */
import type { WorkshopStore } from './workshop-store.ts';
import { seatedSessions, type LiveSessions } from './live.ts';
import type { Workshop } from './model.ts';

export interface Notice {
  message: string;
  at: number;
}

export class Notices {
  private readonly store: WorkshopStore;
  private readonly sessions: LiveSessions;
  private readonly now: () => number;
  /** The latest notice per workshop id. Kept in memory: after a restart the next notice replaces it. */
  private readonly latestById = new Map<string, Notice>();

  constructor(options: { store: WorkshopStore; sessions: LiveSessions; now: () => number }) {
    this.store = options.store;
    this.sessions = options.sessions;
    this.now = options.now;
  }

  /** Sends the message to every open lab of the workshop's learners; returns how many sessions got it. */
  tell(workshop: Workshop, message: string): number {
    this.latestById.set(workshop.id, { message, at: this.now() });
    const reached = seatedSessions(this.sessions.all(), this.store.seats(workshop.id));
    for (const { session } of reached) session.notify({ type: 'broadcast', message, from: workshop.title });
    return reached.length;
  }

  latest(workshop: string): Notice | undefined {
    return this.latestById.get(workshop);
  }
}

/**
 * A workshop's life as its organizer and instructor drive it: create, list, message the room, extend,
 * end. Ending tells every learner, ends their labs and waits (a bounded time) until their sandboxes are
 * gone, so the instructor's "ended" means the room is cleared.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LabCatalog } from '../labs/catalog.ts';
import { seatedSessions, type LiveSessions } from './live.ts';
import {
  MAX_DURATION_MS, MAX_EXTEND_MS, MAX_STARTS_IN_MS, WorkshopError, formatDuration, newJoinCode, resolveLessons, statusOf,
  validateBroadcast, validateDuration, validateSeats, validateTitle, type Workshop, type WorkshopStatus,
} from './model.ts';
import type { Notices } from './notices.ts';
import type { Prewarmer } from './prewarm.ts';
import { hashSecret, newSecret } from './secrets.ts';
import type { WorkshopStore } from './workshop-store.ts';
import type { Log } from '../ops/log.ts';

/** Start to end, extensions included, a workshop lasts at most this long. */
const MAX_TOTAL_MS = 24 * 60 * 60_000;
/** How long ending a workshop waits for its sandboxes to be removed before answering anyway. */
const END_REMOVAL_WAIT_MS = 60_000;
const END_POLL_MS = 50;
const CODE_ATTEMPTS = 20;

export interface CreateInput {
  title: unknown;
  lessons: unknown;
  seats: unknown;
  duration: unknown;
  startsIn?: unknown;
}

export interface WorkshopListing {
  code: string; title: string; status: WorkshopStatus; seats: number; seatsUsed: number; startsAt: number; endsAt: number; endedAt?: number;
}

export class Lifecycle {
  private readonly store: WorkshopStore;
  private readonly catalog: Pick<LabCatalog, 'lessons'>;
  private readonly sessions: LiveSessions;
  private readonly notices: Notices;
  private readonly prewarmer: Prewarmer;
  private readonly touch: (workshop: string) => void;
  private readonly log: Log;
  private readonly now: () => number;

  constructor(options: {
    store: WorkshopStore; catalog: Pick<LabCatalog, 'lessons'>; sessions: LiveSessions; notices: Notices; prewarmer: Prewarmer;
    touch: (workshop: string) => void; log: Log; now: () => number;
  }) {
    this.store = options.store;
    this.catalog = options.catalog;
    this.sessions = options.sessions;
    this.notices = options.notices;
    this.prewarmer = options.prewarmer;
    this.touch = options.touch;
    this.log = options.log;
    this.now = options.now;
  }

  async create(input: CreateInput): Promise<{ workshop: Workshop; secret: string }> {
    const title = validateTitle(input.title);
    const lessons = resolveLessons(input.lessons, this.catalog.lessons);
    const seats = validateSeats(input.seats);
    const duration = validateDuration(input.duration, 'The duration', 60_000, MAX_DURATION_MS);
    const startsIn = input.startsIn === undefined || input.startsIn === '' ? 0 : validateDuration(input.startsIn, 'The start delay', 0, MAX_STARTS_IN_MS);
    const secret = newSecret();
    const secretHash = await hashSecret(secret);
    const now = this.now();
    const workshop: Workshop = {
      id: randomBytes(12).toString('base64url'), code: this.freshCode(), title, lessons, seats,
      startsAt: now + startsIn, endsAt: now + startsIn + duration, createdAt: now,
    };
    this.store.insert(workshop, secretHash);
    this.log.info({ event: 'workshop.created', workshop: workshop.id, lessons, seats, duration_ms: duration }, `Workshop created: ${lessons.join(', ')}, ${seats} seats, ${formatDuration(duration)}`);
    this.prewarmer.prewarm(workshop, now);
    return { workshop, secret };
  }

  private freshCode(): string {
    for (let i = 0; i < CODE_ATTEMPTS; i++) {
      const code = newJoinCode();
      if (!this.store.codeTaken(code)) return code;
    }
    throw new WorkshopError('INTERNAL', 'Could not find a free join code; try again.');
  }

  list(): WorkshopListing[] {
    const now = this.now();
    return this.store.all().map((w) => ({
      code: w.code, title: w.title, status: statusOf(w, now), seats: w.seats, seatsUsed: this.store.seatCount(w.id),
      startsAt: w.startsAt, endsAt: w.endsAt, ...(w.endedAt === undefined ? {} : { endedAt: w.endedAt }),
    }));
  }

  /** Sends the instructor's message to every open lab of the workshop's learners; returns how many sessions got it. */
  broadcast(workshop: Workshop, input: unknown): number {
    return this.notices.tell(workshop, validateBroadcast(input));
  }

  extend(workshop: Workshop, by: unknown): Workshop {
    const ms = validateDuration(by, 'The extension', 60_000, MAX_EXTEND_MS);
    const fresh = this.store.byId(workshop.id) ?? workshop;
    if (statusOf(fresh, this.now()) === 'ended') throw new WorkshopError('ENDED', `“${fresh.title}” has already ended; create a new workshop to go on.`);
    const endsAt = fresh.endsAt + ms;
    if (endsAt - fresh.startsAt > MAX_TOTAL_MS) throw new WorkshopError('BAD_REQUEST', `A workshop lasts at most ${formatDuration(MAX_TOTAL_MS)}.`);
    this.store.setEndsAt(fresh.id, endsAt);
    const extended = { ...fresh, endsAt };
    this.notices.tell(extended, `The workshop was extended by ${formatDuration(ms)}.`);
    this.touch(fresh.id);
    return extended;
  }

  /** Ends the workshop: learners told, every sandbox of theirs removed, no new labs. Idempotent. */
  async end(workshop: Workshop, reason: 'instructor' | 'time' = 'instructor'): Promise<{ endedAt: number; sandboxes: number }> {
    const now = this.now();
    if (this.store.markEnded(workshop.id, now)) this.log.info({ event: 'workshop.ended', workshop: workshop.id, reason }, `Workshop ended (${reason})`);
    const fresh = this.store.byId(workshop.id) ?? workshop;
    const released = this.prewarmer.release(workshop.id);
    this.notices.tell(fresh, reason === 'time'
      ? `“${fresh.title}” has reached its end time. Thank you for taking part! Your results are saved; your lab closes now.`
      : `Your instructor ended “${fresh.title}”. Thank you for taking part! Your results are saved; your lab closes now.`);
    const sessions = seatedSessions(this.sessions.all(), this.store.seats(fresh.id));
    for (const { session } of sessions) this.sessions.end(session.id);
    this.touch(workshop.id);
    // Wall-clock time, not `now`: this waits for real sandboxes, whatever clock the workshop runs on.
    const deadline = Date.now() + END_REMOVAL_WAIT_MS;
    while (sessions.some(({ session }) => this.sessions.get(session.id)) && Date.now() < deadline) await sleep(END_POLL_MS);
    await released;
    return { endedAt: fresh.endedAt ?? now, sandboxes: sessions.length };
  }
}

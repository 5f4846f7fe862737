/**
 * Workshops: create, join, broadcast, extend, end, export, and the clock that starts pre-warming before a
 * workshop starts and ends it at its end time. Enforces seats, the time window, and the rate limits on
 * guessing join codes and instructor secrets. Transport-free: routes.ts and sockets.ts call in here.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LabCatalog } from '../labs/catalog.ts';
import type { Progress } from '../progress/progress.ts';
import type { SessionManager } from '../sessions/manager.ts';
import type { Store } from '../store/store.ts';
import type { ProgressEvent } from '../progress/progress.ts';
import type { Session } from '../sessions/session.ts';
import { buildBoard, type BoardLesson, type BoardSnapshot, type LiveState } from './board.ts';
import { exportRows, type WorkshopExport } from './export.ts';
import { GuessGuard } from './guess-guard.ts';
import {
  MAX_DURATION_MS, MAX_EXTEND_MS, MAX_STARTS_IN_MS, WorkshopError, formatDuration, newJoinCode, normalizeCode, resolveLessons,
  statusOf, validateBroadcast, validateDuration, validateName, validateSeats, validateTitle, type Seat, type Workshop, type WorkshopStatus,
} from './model.ts';
import { hashSecret, newSecret, sameToken, verifySecret } from './secrets.ts';
import { WorkshopStore } from './workshop-store.ts';

/** Pre-warming starts this long before the start time (pooled sandboxes are replaced after 30 min anyway). */
export const PREWARM_LEAD_MS = 5 * 60_000;
/** ... and keeps the reserved sandboxes topped up this long after it, while the room arrives. */
export const PREWARM_HOLD_MS = 10 * 60_000;
/** At most this many sandboxes are pre-warmed for one workshop, whatever its seats. */
export const PREWARM_CAP = 10;
/** Learners are told this long before the end time. */
export const WARN_BEFORE_END_MS = 5 * 60_000;
/** After its end, a workshop still holds its learners (no new labs, its lessons as their course) this long. */
export const ENDED_HOLD_MS = 12 * 60 * 60_000;
const MAX_TOTAL_MS = 24 * 60 * 60_000;
const CLOCK_INTERVAL_MS = 1_000;
/** How long ending a workshop waits for its sandboxes to be removed before answering anyway. */
const END_REMOVAL_WAIT_MS = 60_000;

/** What workshops need of lab-server. */
export interface WorkshopDeps {
  sessions: SessionManager;
  catalog: LabCatalog;
  store: Store;
  progress: Progress;
}

export interface WorkshopOptions {
  /** The organizer key: may create and list workshops, and act as any workshop's instructor. */
  organizerKey: string;
  log?: (line: string) => void;
  now?: () => number;
  stuckAfterMs?: number;
  prewarmCap?: number;
}

export interface CreateInput {
  title: unknown;
  lessons: unknown;
  seats: unknown;
  duration: unknown;
  startsIn?: unknown;
}

export type { LearnerView } from '../../src/lib/workshop-view.ts';
import type { LearnerView } from '../../src/lib/workshop-view.ts';

export class Workshops {
  readonly store: WorkshopStore;
  private readonly lab: WorkshopDeps;
  private readonly organizerKey: string;
  private readonly log: (line: string) => void;
  readonly now: () => number;
  private readonly stuckAfterMs?: number;
  private readonly prewarmCap: number;
  private readonly joinGuesses: GuessGuard;
  private readonly secretGuesses: GuessGuard;
  /** SHA-256 of secrets that passed scrypt once, so the board's requests do not pay 50 ms each. */
  private readonly verified = new Map<string, Buffer>();
  private readonly reservations = new Map<string, () => Promise<void>>();
  private readonly warned = new Set<string>();
  private readonly broadcasts = new Map<string, { message: string; at: number }>();
  private readonly listeners = new Set<(workshop: string) => void>();
  private readonly clock: NodeJS.Timeout;
  private readonly offProgress: () => void;
  private ticking = false;
  private lastSweep = 0;

  constructor(lab: WorkshopDeps, options: WorkshopOptions) {
    this.lab = lab;
    this.store = new WorkshopStore(lab.store);
    this.organizerKey = options.organizerKey;
    this.log = options.log ?? (() => undefined);
    this.now = options.now ?? Date.now;
    this.stuckAfterMs = options.stuckAfterMs;
    this.prewarmCap = options.prewarmCap ?? PREWARM_CAP;
    this.joinGuesses = new GuessGuard(this.now);
    this.secretGuesses = new GuessGuard(this.now);
    this.offProgress = lab.progress.onChange((event) => this.onProgress(event));
    this.clock = setInterval(() => void this.tick(), CLOCK_INTERVAL_MS);
    this.clock.unref();
  }

  /** Called with a workshop id whenever its board changed (a join, a check, an extension, the end). */
  onChange(listener: (workshop: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells the board listeners that something they show changed (also used when shadowing starts or stops). */
  touch(workshop: string): void {
    for (const listener of this.listeners) listener(workshop);
  }

  // ── Lessons ──────────────────────────────────────────────────────────────────────────────────────

  lessonsOf(workshop: Workshop): BoardLesson[] {
    return workshop.lessons.flatMap((slug) => {
      const lesson = this.lab.catalog.lesson(slug);
      return lesson ? [{ slug, number: lesson.order, title: lesson.navTitle, exercises: lesson.exercises.map((e) => ({ id: e.id, title: e.title })) }] : [];
    });
  }

  // ── Instructor and organizer ─────────────────────────────────────────────────────────────────────

  isOrganizer(token: string | undefined): boolean {
    return token !== undefined && sameToken(token, this.organizerKey);
  }

  requireOrganizer(token: string | undefined, ip: string): void {
    this.secretGuesses.check(ip, 'keys');
    if (!token) throw new WorkshopError('UNAUTHORIZED', 401, 'This needs the organizer key (the file organizer-key in the data folder) as a Bearer token.');
    if (this.isOrganizer(token)) return;
    this.secretGuesses.failed(ip, 'keys');
    throw new WorkshopError('FORBIDDEN', 403, 'That is not the organizer key.');
  }

  /** The workshop, when `token` is its instructor secret or the organizer key. */
  async authorize(codeInput: unknown, token: string | undefined, ip: string): Promise<Workshop> {
    this.secretGuesses.check(ip, 'secrets');
    if (!token) throw new WorkshopError('UNAUTHORIZED', 401, 'This needs the instructor secret from the instructor link.');
    const code = normalizeCode(codeInput);
    const found = code ? this.store.byCode(code) : undefined;
    if (found && this.isOrganizer(token)) return found.workshop;
    if (!found && this.isOrganizer(token)) throw new WorkshopError('NOT_FOUND', 404, `There is no workshop with the code ${code ?? String(codeInput).slice(0, 12)}.`);
    if (found && await this.secretMatches(found.workshop.id, found.secretHash, token)) return found.workshop;
    this.secretGuesses.failed(ip, 'secrets');
    throw new WorkshopError('FORBIDDEN', 403, 'The workshop code or the instructor secret is wrong.');
  }

  private async secretMatches(id: string, hash: string, token: string): Promise<boolean> {
    const digest = createHash('sha256').update(token).digest();
    const known = this.verified.get(id);
    if (known) return timingSafeEqual(known, digest);
    if (!(await verifySecret(token, hash))) return false;
    this.verified.set(id, digest);
    return true;
  }

  async create(input: CreateInput): Promise<{ workshop: Workshop; secret: string }> {
    const title = validateTitle(input.title);
    const lessons = resolveLessons(input.lessons, this.lab.catalog.lessons);
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
    this.log(`workshop ${workshop.code} created: ${lessons.join(', ')}, ${seats} seats, ${formatDuration(duration)}`);
    this.prewarm(workshop, now);
    return { workshop, secret };
  }

  private freshCode(): string {
    for (let i = 0; i < 20; i++) {
      const code = newJoinCode();
      if (!this.store.codeTaken(code)) return code;
    }
    throw new WorkshopError('INTERNAL', 500, 'Could not find a free join code; try again.');
  }

  list(): Array<{ code: string; title: string; status: WorkshopStatus; seats: number; seatsUsed: number; startsAt: number; endsAt: number; endedAt?: number }> {
    const now = this.now();
    return this.store.all().map((w) => ({
      code: w.code, title: w.title, status: statusOf(w, now), seats: w.seats, seatsUsed: this.store.seatCount(w.id),
      startsAt: w.startsAt, endsAt: w.endsAt, ...(w.endedAt === undefined ? {} : { endedAt: w.endedAt }),
    }));
  }

  board(workshop: Workshop): BoardSnapshot {
    const fresh = this.store.byId(workshop.id) ?? workshop;
    const live = this.liveStates();
    const idle: LiveState = { connected: false, labs: [], watched: false };
    return buildBoard({
      workshop: fresh, lessons: this.lessonsOf(fresh), seats: this.store.seats(fresh.id), results: this.store.results(fresh.id),
      live: (learner) => live.get(learner) ?? idle, now: this.now(), stuckAfterMs: this.stuckAfterMs,
    });
  }

  private liveStates(): Map<string, LiveState> {
    const out = new Map<string, LiveState>();
    for (const session of this.lab.sessions.all()) {
      if (session.state === 'expired') continue;
      const state = out.get(session.learner) ?? { connected: false, labs: [], watched: false };
      state.connected ||= session.state === 'ready' && session.peerCount > 0;
      state.watched ||= session.watcherCount > 0;
      if (!state.labs.includes(session.lab.id)) state.labs.push(session.lab.id);
      state.lastInputAt = Math.max(state.lastInputAt ?? 0, session.lastInputAt);
      out.set(session.learner, state);
    }
    return out;
  }

  /** Live sessions of the workshop's learners, each learner's current seat being in this workshop. */
  private sessionsOf(workshop: Workshop): Array<{ session: Session; seat: Seat }> {
    const seats = new Map(this.store.seats(workshop.id).map((s) => [s.learner, s]));
    const out: Array<{ session: Session; seat: Seat }> = [];
    for (const session of this.lab.sessions.all()) {
      const seat = seats.get(session.learner);
      if (seat && session.state !== 'expired') out.push({ session, seat });
    }
    return out;
  }

  /** Sends a message to every open lab of the workshop's learners; returns how many tabs' sessions got it. */
  broadcast(workshop: Workshop, input: unknown): number {
    const message = validateBroadcast(input);
    return this.tell(workshop, message);
  }

  private tell(workshop: Workshop, message: string): number {
    this.broadcasts.set(workshop.id, { message, at: this.now() });
    const reached = this.sessionsOf(workshop);
    for (const { session } of reached) session.notify({ type: 'broadcast', message, from: workshop.title });
    return reached.length;
  }

  extend(workshop: Workshop, by: unknown): Workshop {
    const ms = validateDuration(by, 'The extension', 60_000, MAX_EXTEND_MS);
    const fresh = this.store.byId(workshop.id) ?? workshop;
    if (statusOf(fresh, this.now()) === 'ended') throw new WorkshopError('ENDED', 409, `“${fresh.title}” has already ended; create a new workshop to go on.`);
    const endsAt = fresh.endsAt + ms;
    if (endsAt - fresh.startsAt > MAX_TOTAL_MS) throw new WorkshopError('BAD_REQUEST', 400, `A workshop lasts at most ${formatDuration(MAX_TOTAL_MS)}.`);
    this.store.setEndsAt(fresh.id, endsAt);
    if (endsAt - this.now() > WARN_BEFORE_END_MS) this.warned.delete(fresh.id);
    this.tell(fresh, `The workshop was extended by ${formatDuration(ms)}.`);
    this.touch(fresh.id);
    return { ...fresh, endsAt };
  }

  /** Ends the workshop: learners told, every sandbox of theirs removed, no new labs. Idempotent. */
  async end(workshop: Workshop, reason: 'instructor' | 'time' = 'instructor'): Promise<{ endedAt: number; sandboxes: number }> {
    const now = this.now();
    if (this.store.markEnded(workshop.id, now)) this.log(`workshop ${workshop.code} ended (${reason})`);
    const fresh = this.store.byId(workshop.id) ?? workshop;
    const released = this.reservations.get(workshop.id)?.();
    this.reservations.delete(workshop.id);
    const text = reason === 'time'
      ? `“${fresh.title}” has reached its end time. Thank you for taking part! Your results are saved; your lab closes now.`
      : `Your instructor ended “${fresh.title}”. Thank you for taking part! Your results are saved; your lab closes now.`;
    this.broadcasts.set(workshop.id, { message: text, at: now });
    const sessions = this.sessionsOf(fresh);
    for (const { session } of sessions) {
      session.notify({ type: 'broadcast', message: text, from: fresh.title });
      this.lab.sessions.end(session.id);
    }
    this.touch(workshop.id);
    const deadline = Date.now() + END_REMOVAL_WAIT_MS;
    while (sessions.some(({ session }) => this.lab.sessions.get(session.id)) && Date.now() < deadline) await sleep(50);
    await released;
    return { endedAt: fresh.endedAt ?? now, sandboxes: sessions.length };
  }

  exportResults(workshop: Workshop): WorkshopExport {
    const fresh = this.store.byId(workshop.id) ?? workshop;
    return exportRows(fresh, this.lessonsOf(fresh), this.store.seats(fresh.id), this.store.results(fresh.id), this.now());
  }

  // ── Learners ─────────────────────────────────────────────────────────────────────────────────────

  join(codeInput: unknown, learner: string, nameInput: unknown, ip: string): { workshop: Workshop; seat: Seat } {
    this.joinGuesses.check(ip, 'join codes');
    const code = normalizeCode(codeInput);
    const found = code ? this.store.byCode(code) : undefined;
    if (!found) {
      this.joinGuesses.failed(ip, 'join codes');
      throw new WorkshopError('NOT_FOUND', 404, code
        ? `No workshop has the code ${code}. Check it against the one your instructor shows.`
        : 'A join code is 6 letters and digits, like K7M2QX. Check it against the one your instructor shows.');
    }
    const name = validateName(nameInput);
    const { workshop } = found;
    if (statusOf(workshop, this.now()) === 'ended') throw new WorkshopError('ENDED', 410, `“${workshop.title}” has ended, so it takes no more learners.`);
    const seat = this.store.transaction(() => {
      const taken = this.store.seats(workshop.id);
      const mine = taken.find((s) => s.learner === learner);
      const clash = taken.find((s) => s.learner !== learner && s.name.toLocaleLowerCase() === name.toLocaleLowerCase());
      if (clash) throw new WorkshopError('NAME_TAKEN', 409, `Someone in this workshop already goes by “${name}”. Add an initial or a number so your instructor can tell you apart.`);
      if (mine) {
        this.store.renameSeat(mine.id, name);
        return { ...mine, name };
      }
      if (taken.length >= workshop.seats) {
        throw new WorkshopError('FULL', 409, `All ${workshop.seats} seats of “${workshop.title}” are taken. Tell your instructor.`);
      }
      const seat: Seat = { id: randomBytes(9).toString('base64url'), workshop: workshop.id, learner, name, joinedAt: this.now() };
      this.store.insertSeat(seat);
      return seat;
    });
    this.touch(workshop.id);
    return { workshop, seat };
  }

  /** The learner's workshop while it holds them (until ENDED_HOLD_MS after its end). */
  current(learner: string | undefined): { workshop: Workshop; seat: Seat } | undefined {
    if (!learner) return undefined;
    const seat = this.store.latestSeat(learner);
    const workshop = seat && this.store.byId(seat.workshop);
    if (!seat || !workshop) return undefined;
    const endedAt = workshop.endedAt ?? (this.now() >= workshop.endsAt ? workshop.endsAt : undefined);
    if (endedAt !== undefined && this.now() - endedAt > ENDED_HOLD_MS) return undefined;
    return { workshop, seat };
  }

  me(learner: string | undefined): LearnerView | undefined {
    const found = this.current(learner);
    if (!found) return undefined;
    const { workshop, seat } = found;
    const now = this.now();
    const lessons = workshop.lessons.flatMap((slug) => {
      const lesson = this.lab.catalog.lesson(slug);
      return lesson ? [{ slug, number: lesson.order, title: lesson.title, navTitle: lesson.navTitle, exercises: lesson.exercises.length }] : [];
    });
    const broadcast = this.broadcasts.get(workshop.id);
    return {
      workshop: {
        code: workshop.code, title: workshop.title, status: statusOf(workshop, now), startsAt: workshop.startsAt, endsAt: workshop.endsAt,
        ...(workshop.endedAt === undefined ? {} : { endedAt: workshop.endedAt }), lessons,
      },
      seat: { name: seat.name },
      ...(broadcast ? { broadcast } : {}),
      now,
    };
  }

  /** Whether the learner holds a seat in a workshop that is running now. */
  inRunningWorkshop(learner: string): boolean {
    const found = this.current(learner);
    return found !== undefined && statusOf(found.workshop, this.now()) === 'running';
  }

  /** Why this learner may not start a lab now, or undefined when they may. */
  admission(learner: string): string | undefined {
    const found = this.current(learner);
    if (!found) return undefined;
    const { workshop } = found;
    const now = this.now();
    const status = statusOf(workshop, now);
    if (status === 'scheduled') return `“${workshop.title}” starts in ${formatDuration(Math.max(60_000, workshop.startsAt - now))}; its labs open then. Keep this page open and press Start lab at the start.`;
    if (status === 'ended') return `“${workshop.title}” has ended, so its labs are closed. Your results are saved.`;
    return undefined;
  }

  // ── Progress and the clock ───────────────────────────────────────────────────────────────────────

  private onProgress(event: ProgressEvent): void {
    try {
      const seat = this.store.latestSeat(event.learner);
      const workshop = seat && this.store.byId(seat.workshop);
      if (!seat || !workshop || statusOf(workshop, event.at) !== 'running' || !workshop.lessons.includes(event.lab)) return;
      this.store.recordResult(seat.id, event.lab, event.exercise, event.results, event.done, event.at);
      this.touch(workshop.id);
    } catch (error) {
      this.log(`workshops: could not record a check result: ${String(error)}`);
    }
  }

  /** Reserves warm sandboxes of the workshop's first lab from PREWARM_LEAD_MS before its start. */
  private prewarm(workshop: Workshop, now: number): void {
    if (this.reservations.has(workshop.id) || statusOf(workshop, now) === 'ended') return;
    if (now < workshop.startsAt - PREWARM_LEAD_MS || now >= workshop.startsAt + PREWARM_HOLD_MS) return;
    const first = workshop.lessons.find((slug) => this.lab.catalog.has(slug));
    const profile = first ? this.lab.catalog.get(first)?.profile : undefined;
    if (!profile) return;
    const count = Math.min(workshop.seats, this.prewarmCap);
    this.reservations.set(workshop.id, this.lab.sessions.pool.reserve(profile, count, workshop.startsAt + PREWARM_HOLD_MS));
    this.log(`workshop ${workshop.code}: pre-warming ${count} sandbox(es) for ${first}`);
  }

  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const now = this.now();
      for (const [id, cancel] of this.reservations) {
        const workshop = this.store.byId(id);
        if (!workshop || statusOf(workshop, now) === 'ended') {
          this.reservations.delete(id);
          await cancel();
        }
      }
      for (const workshop of this.store.open()) {
        if (now >= workshop.endsAt) {
          await this.end(workshop, 'time');
          continue;
        }
        this.prewarm(workshop, now);
        if (now >= workshop.startsAt && workshop.endsAt - now <= WARN_BEFORE_END_MS && !this.warned.has(workshop.id)) {
          this.warned.add(workshop.id);
          this.tell(workshop, `“${workshop.title}” ends in ${formatDuration(workshop.endsAt - now)}. Finish the check you are on; your results are saved.`);
        }
      }
      if (now - this.lastSweep >= 5_000) {
        this.lastSweep = now;
        this.sweep();
      }
    } catch (error) {
      this.log(`workshops: clock: ${String(error)}`);
    } finally {
      this.ticking = false;
    }
  }

  /** Ends any lab a held learner of an ended workshop still has (one started in the instant of the end). */
  private sweep(): void {
    for (const session of this.lab.sessions.all()) {
      if (session.state === 'expired') continue;
      const found = this.current(session.learner);
      if (found && statusOf(found.workshop, this.now()) === 'ended') this.lab.sessions.end(session.id);
    }
  }

  async close(): Promise<void> {
    clearInterval(this.clock);
    this.offProgress();
    const releases = [...this.reservations.values()].map((cancel) => cancel());
    this.reservations.clear();
    this.listeners.clear();
    await Promise.allSettled(releases);
  }
}

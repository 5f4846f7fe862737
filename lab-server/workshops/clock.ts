/**
 * The workshop clock, once a second: pre-warms sandboxes before a start, warns the room WARN_BEFORE_END_MS
 * before the end, ends a workshop at its end time, releases the reservations of ended ones, and every
 * SWEEP_INTERVAL_MS ends any lab a learner of an ended workshop still has (one that started in the instant
 * of the end). Reads the store each tick, so a restart resumes where it was.
 */
import { heldBy } from './learners.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { LiveSessions } from './live.ts';
import { formatDuration, statusOf, type Workshop } from './model.ts';
import type { Notices } from './notices.ts';
import type { Prewarmer } from './prewarm.ts';
import type { WorkshopStore } from './workshop-store.ts';
import type { Log } from '../ops/log.ts';

/** Learners are told this long before the end time. */
export const WARN_BEFORE_END_MS = 5 * 60_000;
const CLOCK_INTERVAL_MS = 1_000;
const SWEEP_INTERVAL_MS = 5_000;

export class WorkshopClock {
  private readonly store: WorkshopStore;
  private readonly sessions: Pick<LiveSessions, 'all' | 'end'>;
  private readonly lifecycle: Pick<Lifecycle, 'end'>;
  private readonly prewarmer: Prewarmer;
  private readonly notices: Pick<Notices, 'tell'>;
  private readonly log: Log;
  private readonly now: () => number;
  /** Workshops whose room was warned; one leaves when an extension moves its end out of the warning window. */
  private readonly warned = new Set<string>();
  private timer?: NodeJS.Timeout;
  private ticking = false;
  private lastSweep = 0;

  constructor(options: {
    store: WorkshopStore; sessions: Pick<LiveSessions, 'all' | 'end'>; lifecycle: Pick<Lifecycle, 'end'>; prewarmer: Prewarmer;
    notices: Pick<Notices, 'tell'>; log: Log; now: () => number;
  }) {
    this.store = options.store;
    this.sessions = options.sessions;
    this.lifecycle = options.lifecycle;
    this.prewarmer = options.prewarmer;
    this.notices = options.notices;
    this.log = options.log;
    this.now = options.now;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.tick(), CLOCK_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const now = this.now();
      for (const id of this.prewarmer.held()) {
        const workshop = this.store.byId(id);
        if (!workshop || statusOf(workshop, now) === 'ended') await this.prewarmer.release(id);
      }
      for (const workshop of this.store.open()) {
        if (now >= workshop.endsAt) {
          await this.lifecycle.end(workshop, 'time');
          continue;
        }
        this.prewarmer.prewarm(workshop, now);
        this.warn(workshop, now);
      }
      if (now - this.lastSweep >= SWEEP_INTERVAL_MS) {
        this.lastSweep = now;
        this.sweep(now);
      }
    } catch (error) {
      this.log.error({ event: 'workshop.clock_failed', err: String(error) }, 'The workshop clock failed a tick');
    } finally {
      this.ticking = false;
    }
  }

  private warn(workshop: Workshop, now: number): void {
    if (now < workshop.startsAt || workshop.endsAt - now > WARN_BEFORE_END_MS) return void this.warned.delete(workshop.id);
    if (this.warned.has(workshop.id)) return;
    this.warned.add(workshop.id);
    this.notices.tell(workshop, `“${workshop.title}” ends in ${formatDuration(workshop.endsAt - now)}. Finish the check you are on; your results are saved.`);
  }

  /** Ends any lab a held learner of an ended workshop still has. */
  private sweep(now: number): void {
    for (const session of this.sessions.all()) {
      if (session.state === 'expired') continue;
      const found = heldBy(this.store, session.learner, now);
      if (found && statusOf(found.workshop, now) === 'ended') this.sessions.end(session.id);
    }
  }
}

/**
 * The graceful stop (SIGTERM): from `begin` on, no new lab is admitted (a ticket or a start is refused
 * with DRAINING and a sentence saying when to come back), while the learners who have a lab open keep
 * it, may reload into it, and are told in their terminal and on the page how long it has; at the grace
 * period's end (or at `endNow`) `begin`'s promise resolves and the caller closes the server, which ends
 * every session and removes its containers. docs/operations.md has the timeline.
 */
import { LabError } from '../errors.ts';
import type { Admission } from '../labs/admission.ts';
import type { Log } from './log.ts';
import type { SessionManager } from '../sessions/manager.ts';

/** A reminder this long before the end, when the grace period is long enough for one to be news. */
const REMINDER_BEFORE_END_MS = 10_000;
/** What a refused learner is told to wait: the rest of the grace, and a restart's worth more. */
const RESTART_ALLOWANCE_MS = 30_000;

function seconds(ms: number): number {
  return Math.max(0, Math.ceil(ms / 1000));
}

export class Drain {
  private readonly sessions: Pick<SessionManager, 'announce' | 'find' | 'size'>;
  private readonly log: Log;
  private readonly now: () => number;
  private endsAt?: number;
  private finish?: () => void;
  private done?: Promise<void>;
  private timers: NodeJS.Timeout[] = [];

  constructor(options: { sessions: Pick<SessionManager, 'announce' | 'find' | 'size'>; admission: Pick<Admission, 'addRule'>; log: Log; now?: () => number }) {
    this.sessions = options.sessions;
    this.log = options.log;
    this.now = options.now ?? Date.now;
    options.admission.addRule({
      ticketTime: true,
      refuse: ({ learner, lab }) => {
        if (this.endsAt === undefined || (learner && this.sessions.find(learner, lab))) return undefined;
        const left = this.endsAt - this.now();
        return new LabError('DRAINING', `This lab-server is restarting, so it starts no new labs now. Try again in a minute or two${left > 0 ? ` (labs already open end in ${seconds(left)} s)` : ''}.`, { retryAfterMs: Math.max(0, left) + RESTART_ALLOWANCE_MS });
      },
    });
  }

  get draining(): boolean {
    return this.endsAt !== undefined;
  }

  /** Starts the drain; resolves when the grace period is over or endNow() was called. A second call joins the first. */
  begin(graceMs: number): Promise<void> {
    if (this.done) return this.done;
    const endsAt = this.now() + graceMs;
    this.endsAt = endsAt;
    this.log.info({ event: 'server.draining', sessions: this.sessions.size, grace_s: seconds(graceMs) }, `Draining: no new labs; open ones end in ${seconds(graceMs)} s`);
    const notice = () => {
      const left = seconds(endsAt - this.now());
      return {
        type: 'draining' as const, endsAt,
        message: `The lab-server is restarting: this lab ends in ${left} s. Finish or note what you are doing; after the restart, reload the page and start the lab again.`,
      };
    };
    if (graceMs > 0) this.sessions.announce(notice);
    this.done = new Promise<void>((resolve) => {
      this.finish = resolve;
      const end = setTimeout(() => this.endNow(), graceMs);
      this.timers.push(end);
      if (graceMs > 2 * REMINDER_BEFORE_END_MS) this.timers.push(setTimeout(() => this.sessions.announce(notice), graceMs - REMINDER_BEFORE_END_MS));
    });
    return this.done;
  }

  /** Ends the grace period now (the second SIGTERM, or its end). */
  endNow(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
    const finish = this.finish;
    this.finish = undefined;
    if (finish && this.endsAt !== undefined) this.log.info({ event: 'server.drain_ended', sessions: this.sessions.size, early_s: seconds(this.endsAt - this.now()) }, 'Drain over: ending the open labs');
    finish?.();
  }
}

/**
 * A workshop from its learners' side: taking (or renaming) a seat with the join code, which workshop holds
 * a learner now, what their page may know of it, and whether it lets them open a lab. Wrong join codes are
 * limited per client address (guess-guard.ts).
 */
import type { LearnerView } from '../../src/lib/workshop-view.ts';
import { randomBytes } from 'node:crypto';
import type { LabCatalog } from '../labs/catalog.ts';
import { GuessGuard } from './guess-guard.ts';
import { WorkshopError, formatDuration, normalizeCode, statusOf, validateName, type Seat, type Workshop, type WorkshopStatus } from './model.ts';
import type { Notice, Notices } from './notices.ts';
import type { WorkshopStore } from './workshop-store.ts';

/** After its end, a workshop still holds its learners (no new labs, its lessons as their course) this long. */
export const ENDED_HOLD_MS = 12 * 60 * 60_000;
/** The shortest "starts in" a learner reads, so a start seconds away does not read "starts in 0 min". */
const MIN_STARTS_IN_MS = 60_000;

export type { LearnerView } from '../../src/lib/workshop-view.ts';

/** The learner's workshop while it holds them (until ENDED_HOLD_MS after its end). */
export function heldBy(store: WorkshopStore, learner: string | undefined, now: number): { workshop: Workshop; seat: Seat } | undefined {
  if (!learner) return undefined;
  const seat = store.latestSeat(learner);
  const workshop = seat && store.byId(seat.workshop);
  if (!seat || !workshop) return undefined;
  const endedAt = workshop.endedAt ?? (now >= workshop.endsAt ? workshop.endsAt : undefined);
  if (endedAt !== undefined && now - endedAt > ENDED_HOLD_MS) return undefined;
  return { workshop, seat };
}

export class Learners {
  private readonly store: WorkshopStore;
  private readonly catalog: Pick<LabCatalog, 'lesson'>;
  private readonly notices: Pick<Notices, 'latest'>;
  private readonly touch: (workshop: string) => void;
  private readonly now: () => number;
  private readonly guesses: GuessGuard;

  constructor(options: {
    store: WorkshopStore; catalog: Pick<LabCatalog, 'lesson'>; notices: Pick<Notices, 'latest'>; touch: (workshop: string) => void; now: () => number;
  }) {
    this.store = options.store;
    this.catalog = options.catalog;
    this.notices = options.notices;
    this.touch = options.touch;
    this.now = options.now;
    this.guesses = new GuessGuard(options.now);
  }

  join(codeInput: unknown, learner: string, nameInput: unknown, ip: string): { workshop: Workshop; seat: Seat } {
    this.guesses.check(ip, 'join codes');
    const code = normalizeCode(codeInput);
    const found = code ? this.store.byCode(code) : undefined;
    if (!found) {
      this.guesses.failed(ip, 'join codes');
      throw new WorkshopError('NOT_FOUND', code
        ? `No workshop has the code ${code}. Check it against the one your instructor shows.`
        : 'A join code is 6 letters and digits, like K7M2QX. Check it against the one your instructor shows.');
    }
    const name = validateName(nameInput);
    const { workshop } = found;
    if (statusOf(workshop, this.now()) === 'ended') throw new WorkshopError('ENDED', `“${workshop.title}” has ended, so it takes no more learners.`, { status: 410 });
    const seat = this.store.transaction(() => this.takeSeat(workshop, learner, name));
    this.touch(workshop.id);
    return { workshop, seat };
  }

  /** Inside the join's transaction: a rejoin renames the learner's seat; a newcomer takes a free one. */
  private takeSeat(workshop: Workshop, learner: string, name: string): Seat {
    const taken = this.store.seats(workshop.id);
    const mine = taken.find((s) => s.learner === learner);
    const clash = taken.find((s) => s.learner !== learner && s.name.toLocaleLowerCase() === name.toLocaleLowerCase());
    if (clash) throw new WorkshopError('NAME_TAKEN', `Someone in this workshop already goes by “${name}”. Add an initial or a number so your instructor can tell you apart.`);
    if (mine) {
      this.store.renameSeat(mine.id, name);
      return { ...mine, name };
    }
    if (taken.length >= workshop.seats) throw new WorkshopError('FULL', `All ${workshop.seats} seats of “${workshop.title}” are taken. Tell your instructor.`);
    const seat: Seat = { id: randomBytes(9).toString('base64url'), workshop: workshop.id, learner, name, joinedAt: this.now() };
    this.store.insertSeat(seat);
    return seat;
  }

  /** The learner's workshop while it holds them (until ENDED_HOLD_MS after its end). */
  current(learner: string | undefined): { workshop: Workshop; seat: Seat } | undefined {
    return heldBy(this.store, learner, this.now());
  }

  me(learner: string | undefined): LearnerView | undefined {
    const found = this.current(learner);
    if (!found) return undefined;
    const { workshop, seat } = found;
    const now = this.now();
    const lessons = workshop.lessons.flatMap((slug) => {
      const lesson = this.catalog.lesson(slug);
      return lesson ? [{ slug, number: lesson.order, title: lesson.title, navTitle: lesson.navTitle, exercises: lesson.exercises.length }] : [];
    });
    const broadcast = this.notices.latest(workshop.id);
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
    if (status === 'scheduled') return `“${workshop.title}” starts in ${formatDuration(Math.max(MIN_STARTS_IN_MS, workshop.startsAt - now))}; its labs open then. Keep this page open and press Start lab at the start.`;
    if (status === 'ended') return `“${workshop.title}” has ended, so its labs are closed. Your results are saved.`;
    return undefined;
  }
}

/**
 * A workshop room for unit tests: a real store in memory, a course of two lessons, sessions and a warm
 * pool that only record what is asked of them, and a clock the test moves. No Docker, no sockets.
 */
import type { ServerControl } from '../../src/lib/protocol.ts';
import type { LabCatalog } from '../../lab-server/labs/catalog.ts';
import type { Session } from '../../lab-server/sessions/session.ts';
import { Store } from '../../lab-server/store/store.ts';
import type { LiveSessions } from '../../lab-server/workshops/live.ts';
import type { Seat, Workshop } from '../../lab-server/workshops/model.ts';
import { hashSecret } from '../../lab-server/workshops/secrets.ts';
import { WorkshopStore } from '../../lab-server/workshops/workshop-store.ts';
import type { Log, LogFields } from '../../lab-server/ops/log.ts';

/** A Log that keeps `event: message` of each line. */
function linesLog(lines: string[]): Log {
  const keep = (fields: LogFields, message: string) => void lines.push(`${fields.event}: ${message}`);
  return { debug: keep, info: keep, warn: keep, error: keep };
}

export const HOUR = 60 * 60_000;

const lessons = [
  { slug: 'demo', order: 1, title: 'A demo lesson', navTitle: 'Demo', exercises: [{ id: 'make-note', title: 'Write a note' }] },
  { slug: 'caps', order: 2, title: 'Capabilities', navTitle: 'Caps', exercises: [{ id: 'drop', title: 'Drop one' }, { id: 'add', title: 'Add one' }] },
];

/** The catalog's lesson side, and a lab (with a profile) for each lesson. */
export const catalog = {
  lessons,
  lesson: (slug: string) => lessons.find((l) => l.slug === slug),
  has: (slug: string) => lessons.some((l) => l.slug === slug),
  get: (slug: string) => (lessons.some((l) => l.slug === slug) ? { slug, profile: { lab: slug, image: 'shell', capAdd: [], network: false } } : undefined),
} as unknown as LabCatalog;

export interface FakeSession {
  id: string; learner: string; lab: { id: string }; state: string; peerCount: number; watcherCount: number; lastInputAt: number;
  told: ServerControl[];
  notify(message: ServerControl): void;
}

/** Sessions that record what they were told; end() removes one at once, as a sandbox gone. */
export class FakeSessions implements LiveSessions {
  readonly live = new Map<string, FakeSession>();
  readonly ended: string[] = [];

  add(learner: string, lab = 'demo', more: Partial<FakeSession> = {}): FakeSession {
    const told: ServerControl[] = [];
    const session: FakeSession = {
      id: `s${this.live.size + this.ended.length + 1}`, learner, lab: { id: lab }, state: 'ready', peerCount: 1, watcherCount: 0, lastInputAt: 0,
      told, notify: (message) => void told.push(message), ...more,
    };
    this.live.set(session.id, session);
    return session;
  }

  all(): Session[] {
    return [...this.live.values()] as unknown as Session[];
  }

  get(id: string): Session | undefined {
    return this.live.get(id) as unknown as Session | undefined;
  }

  end(id: string): void {
    if (this.live.delete(id)) this.ended.push(id);
  }
}

/** A warm pool that records reservations and their release. */
export class FakePool {
  readonly reserved: Array<{ lab: string; count: number; until: number; released: boolean }> = [];

  reserve(profile: { lab: string }, count: number, until: number): () => Promise<void> {
    const entry = { lab: profile.lab, count, until, released: false };
    this.reserved.push(entry);
    return async () => { entry.released = true; };
  }
}

export function world(start = 1_000_000) {
  let now = start;
  const store = new WorkshopStore(Store.open(':memory:'));
  const touched: string[] = [];
  const lines: string[] = [];
  let made = 0;
  return {
    store,
    sessions: new FakeSessions(),
    pool: new FakePool(),
    touched,
    lines,
    now: () => now,
    advance: (ms: number) => { now += ms; },
    touch: (workshop: string) => void touched.push(workshop),
    /** Records each line's message (and event) so a test can read what was logged. */
    log: linesLog(lines),
    /** Stores a workshop (running from now for two hours unless told otherwise) with this instructor secret. */
    async workshop(more: Partial<Workshop> = {}, secret = 'the-instructor-secret-of-this-room'): Promise<Workshop> {
      made += 1;
      const workshop: Workshop = {
        id: `w${made}`, code: `ABCDE${'FGHJKLMN'[made]}`, title: `Room ${made}`, lessons: ['demo'], seats: 3,
        startsAt: now, endsAt: now + 2 * HOUR, createdAt: now, ...more,
      };
      store.insert(workshop, await hashSecret(secret));
      return workshop;
    },
    seat(workshop: Workshop, learner: string, name = learner): Seat {
      const seat: Seat = { id: `seat-${learner}-${workshop.id}`, workshop: workshop.id, learner, name, joinedAt: now };
      store.insertSeat(seat);
      return seat;
    },
  };
}

/** The LabError a call throws (sync or async), or undefined when it does not. */
export async function refusalOf(fn: () => unknown): Promise<(Error & { code: string; status: number; retryAfterMs?: number; headers?: Record<string, string> }) | undefined> {
  try {
    await fn();
  } catch (error) {
    return error as never;
  }
  return undefined;
}

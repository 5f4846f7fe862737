/**
 * Pre-warming: from PREWARM_LEAD_MS before a workshop's start until PREWARM_HOLD_MS after it, the warm
 * pool keeps sandboxes of the workshop's first lab ready (as many as its seats, at most PREWARM_CAP), so
 * the room starts at once. One reservation per workshop; it is released when the workshop ends.
 */
import type { LabCatalog } from '../labs/catalog.ts';
import type { WarmPool } from '../runtime/warm-pool.ts';
import { statusOf, type Workshop } from './model.ts';
import type { Log } from '../ops/log.ts';

/** Pre-warming starts this long before the start time (pooled sandboxes are replaced after 30 min anyway). */
export const PREWARM_LEAD_MS = 5 * 60_000;
/** ... and keeps the reserved sandboxes topped up this long after it, while the room arrives. */
export const PREWARM_HOLD_MS = 10 * 60_000;
/** At most this many sandboxes are pre-warmed for one workshop, whatever its seats. */
export const PREWARM_CAP = 10;

export class Prewarmer {
  private readonly catalog: Pick<LabCatalog, 'has' | 'get'>;
  private readonly pool: Pick<WarmPool, 'reserve'>;
  private readonly cap: number;
  private readonly log: Log;
  /** Workshop id to the cancellation of its reservation. */
  private readonly reservations = new Map<string, () => Promise<void>>();

  constructor(options: { catalog: Pick<LabCatalog, 'has' | 'get'>; pool: Pick<WarmPool, 'reserve'>; cap?: number; log: Log }) {
    this.catalog = options.catalog;
    this.pool = options.pool;
    this.cap = options.cap ?? PREWARM_CAP;
    this.log = options.log;
  }

  /** Reserves warm sandboxes of the workshop's first lab when `now` is in its pre-warm window and none are yet. */
  prewarm(workshop: Workshop, now: number): void {
    if (this.reservations.has(workshop.id) || statusOf(workshop, now) === 'ended') return;
    if (now < workshop.startsAt - PREWARM_LEAD_MS || now >= workshop.startsAt + PREWARM_HOLD_MS) return;
    const first = workshop.lessons.find((slug) => this.catalog.has(slug));
    const profile = first ? this.catalog.get(first)?.profile : undefined;
    if (!profile) return;
    const count = Math.min(workshop.seats, this.cap);
    this.reservations.set(workshop.id, this.pool.reserve(profile, count, workshop.startsAt + PREWARM_HOLD_MS));
    this.log.info({ event: 'workshop.prewarm', workshop: workshop.id, lab: first, sandboxes: count }, `Pre-warming ${count} sandbox(es) for ${first}`);
  }

  /** Gives the workshop's reserved sandboxes back; resolves once they are removed. */
  release(workshop: string): Promise<void> | undefined {
    const cancel = this.reservations.get(workshop);
    this.reservations.delete(workshop);
    return cancel?.();
  }

  /** Workshops holding a reservation, so the clock can release those that ended or vanished. */
  held(): string[] {
    return [...this.reservations.keys()];
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.held().map((id) => this.release(id)));
  }
}

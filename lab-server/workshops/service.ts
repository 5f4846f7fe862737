/**
 * The workshop room assembled: one object that owns the parts (each in its own module) and the one
 * change signal the board listens to. Routes and sockets reach the part they need by name, so what a
 * request does reads off the call: `workshops.auth.authorize`, `workshops.learners.join`.
 * Transport-free: routes.ts and sockets.ts call in here.
 */
import type { LabCatalog } from '../labs/catalog.ts';
import type { Progress } from '../progress/progress.ts';
import type { SessionManager } from '../sessions/manager.ts';
import type { Store } from '../store/store.ts';
import { InstructorAuth } from './auth.ts';
import { WorkshopClock } from './clock.ts';
import { Learners } from './learners.ts';
import { Lifecycle } from './lifecycle.ts';
import { Notices } from './notices.ts';
import { Prewarmer } from './prewarm.ts';
import { recordResults } from './results.ts';
import { WorkshopViews } from './views.ts';
import { WorkshopStore } from './workshop-store.ts';
import { SILENT, type Log } from '../ops/log.ts';

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
  log?: Log;
  now?: () => number;
  stuckAfterMs?: number;
  prewarmCap?: number;
}

export class Workshops {
  readonly store: WorkshopStore;
  readonly now: () => number;
  readonly auth: InstructorAuth;
  readonly lifecycle: Lifecycle;
  readonly learners: Learners;
  readonly views: WorkshopViews;
  private readonly prewarmer: Prewarmer;
  private readonly clock: WorkshopClock;
  private readonly listeners = new Set<(workshop: string) => void>();
  private readonly offResults: () => void;

  constructor(lab: WorkshopDeps, options: WorkshopOptions) {
    const log = options.log ?? SILENT;
    const now = options.now ?? Date.now;
    const touch = (workshop: string) => this.touch(workshop);
    const store = new WorkshopStore(lab.store);
    const { catalog, sessions } = lab;
    const notices = new Notices({ store, sessions, now });
    this.store = store;
    this.now = now;
    this.prewarmer = new Prewarmer({ catalog, pool: sessions.pool, cap: options.prewarmCap, log });
    this.auth = new InstructorAuth({ store, organizerKey: options.organizerKey, now });
    this.lifecycle = new Lifecycle({ store, catalog, sessions, notices, prewarmer: this.prewarmer, touch, log, now });
    this.learners = new Learners({ store, catalog, notices, touch, now });
    this.views = new WorkshopViews({ store, catalog, sessions, now, stuckAfterMs: options.stuckAfterMs });
    this.clock = new WorkshopClock({ store, sessions, lifecycle: this.lifecycle, prewarmer: this.prewarmer, notices, log, now });
    this.offResults = recordResults({ progress: lab.progress, store, touch, log });
    this.clock.start();
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

  /** One turn of the clock now (tests drive it with their own `now`). */
  tick(): Promise<void> {
    return this.clock.tick();
  }

  async close(): Promise<void> {
    this.clock.stop();
    this.offResults();
    this.listeners.clear();
    await this.prewarmer.close();
  }
}

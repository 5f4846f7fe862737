/**
 * Removes what no live session owns: at start-up (a killed lab-server leaves everything behind) and then
 * every minute. Anything labelled with this instance (labels.ts: the runtime's sandboxes and networks
 * and the gate's learner objects alike) whose session is unknown here, or whose expiry label has passed,
 * goes: first the gate's cleanup (images, by the session's labels and namespace), then the runtime's.
 */
import { SILENT, type Log } from '../ops/log.ts';
import type { SandboxRuntime } from './sandbox-runtime.ts';

export const REAP_INTERVAL_MS = 60_000;

export class Reaper {
  private readonly runtime: SandboxRuntime;
  private readonly isLive: (session: string) => boolean;
  private readonly log: Log;
  private readonly beforeRemove: (session: string) => Promise<void>;
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;

  constructor(options: {
    runtime: SandboxRuntime; isLive: (session: string) => boolean; log?: Log;
    /** Cleanup that needs the session id before its objects go (the Docker gate's images and socket folder). */
    beforeRemove?: (session: string) => Promise<void>;
  }) {
    this.runtime = options.runtime;
    this.beforeRemove = options.beforeRemove ?? (async () => undefined);
    this.isLive = options.isLive;
    this.log = options.log ?? SILENT;
  }

  /** One pass; returns how many objects were removed. Concurrent calls share one pass. */
  reap(now = Date.now()): Promise<number> {
    this.running ??= (async () => {
      let removed = 0;
      for (const { session, expiresAt } of await this.runtime.engineSessions()) {
        if (this.isLive(session) && expiresAt > now) continue;
        await this.beforeRemove(session).catch((error: unknown) => this.log.warn({ event: 'reaper.cleanup_failed', session, err: String(error) }, 'The gate\'s cleanup of a leftover session failed'));
        removed += await this.runtime.removeSession(session);
      }
      if (removed) this.log.info({ event: 'reaper.removed', objects: removed }, `Removed ${removed} leftover object(s)`);
      return removed;
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  start(intervalMs = REAP_INTERVAL_MS): void {
    this.timer = setInterval(() => void this.reap().catch((error: unknown) => this.log.warn({ event: 'reaper.failed', err: String(error) }, 'A reaper pass failed')), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

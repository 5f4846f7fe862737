/**
 * Backpressure from the browser to the shell: while a client's send buffer is above the high-water mark
 * the output source is paused; it resumes once every client is below the low-water mark. A learner
 * running `cat /dev/urandom | base64` on a slow link thus fills a bounded buffer, not server memory.
 */
export const HIGH_WATER_BYTES = 512 * 1024;
export const LOW_WATER_BYTES = 64 * 1024;
const POLL_MS = 15;

export interface Pausable {
  pause(): void;
  resume(): void;
}

export class FlowControl {
  private paused = false;
  private timer?: NodeJS.Timeout;
  private readonly source: Pausable;
  private readonly backlog: () => number;
  private readonly onPause?: () => void;

  /** `backlog` returns the largest send buffer among the clients that govern the flow; `onPause` hears each pause (metrics). */
  constructor(source: Pausable, backlog: () => number, onPause?: () => void) {
    this.source = source;
    this.backlog = backlog;
    this.onPause = onPause;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Call after each write to a client. */
  afterWrite(): void {
    if (this.paused || this.backlog() < HIGH_WATER_BYTES) return;
    this.paused = true;
    this.source.pause();
    this.onPause?.();
    this.timer = setInterval(() => {
      if (this.backlog() > LOW_WATER_BYTES) return;
      this.release();
    }, POLL_MS);
  }

  /** Resumes unconditionally (a client left, the session ends). */
  release(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (!this.paused) return;
    this.paused = false;
    this.source.resume();
  }
}

/**
 * Bounds on preview traffic, so that one learner's flood (a page with a thousand images, a reload loop,
 * a script) costs a bounded share of the one event loop that also carries every terminal: requests per
 * learner are rate-limited (a burst, then a steady rate), and open requests and WebSockets are capped
 * per learner and in total. Over a bound the answer is 429 with Retry-After, at once, never a queue.
 */
import { RateLimiter } from '../sessions/rate-limit.ts';

export interface PreviewBounds {
  /** Requests a learner may start at once before the steady rate applies. */
  burst: number;
  perMinute: number;
  /** Requests (and WebSockets) open at the same time, per learner and over all learners. */
  openPerLearner: number;
  openTotal: number;
  webSocketsPerLearner: number;
}

export const DEFAULT_BOUNDS: PreviewBounds = {
  burst: 200,
  perMinute: 3_000,
  openPerLearner: 32,
  openTotal: 512,
  webSocketsPerLearner: 16,
};

export type Admission = { ok: true; release: () => void } | { ok: false; retryAfterMs: number; reason: string };

export class PreviewLimits {
  private readonly bounds: PreviewBounds;
  private readonly rate: RateLimiter;
  private readonly open = new Map<string, number>();
  private readonly sockets = new Map<string, number>();
  private total = 0;

  constructor(bounds: Partial<PreviewBounds> = {}) {
    this.bounds = { ...DEFAULT_BOUNDS, ...bounds };
    this.rate = new RateLimiter({ capacity: this.bounds.burst, perMinute: this.bounds.perMinute });
  }

  /** Admits one request (or WebSocket) of `learner`; call release() exactly once when it is over. */
  admit(learner: string, webSocket = false): Admission {
    const open = this.open.get(learner) ?? 0;
    const sockets = this.sockets.get(learner) ?? 0;
    if (this.total >= this.bounds.openTotal) return { ok: false, retryAfterMs: 1_000, reason: 'the lab-server is busy with previews' };
    if (webSocket ? sockets >= this.bounds.webSocketsPerLearner : open >= this.bounds.openPerLearner) {
      return { ok: false, retryAfterMs: 1_000, reason: `at most ${webSocket ? this.bounds.webSocketsPerLearner : this.bounds.openPerLearner} ${webSocket ? 'WebSockets' : 'requests'} may be open at once` };
    }
    const token = this.rate.take(learner);
    if (!token.ok) return { ok: false, retryAfterMs: token.retryAfterMs, reason: 'too many preview requests in a short time' };
    const counter = webSocket ? this.sockets : this.open;
    counter.set(learner, (counter.get(learner) ?? 0) + 1);
    this.total += 1;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        this.total -= 1;
        const left = (counter.get(learner) ?? 1) - 1;
        if (left > 0) counter.set(learner, left);
        else counter.delete(learner);
      },
    };
  }
}

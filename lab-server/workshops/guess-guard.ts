/**
 * Limits guessing per client address (join codes, instructor secrets): each wrong guess takes a token
 * from a bucket of GUESS_BURST that refills at GUESSES_PER_MINUTE. Once it is empty, every attempt from
 * that address is refused, right ones included, so a guesser learns nothing until a token returns.
 */
import { RateLimiter } from '../sessions/rate-limit.ts';
import { WorkshopError } from './model.ts';

const GUESS_BURST = 10;
const GUESSES_PER_MINUTE = 10;

export class GuessGuard {
  private readonly limiter: RateLimiter;
  private readonly blockedUntil = new Map<string, number>();
  private readonly now: () => number;

  constructor(now: () => number) {
    this.now = now;
    this.limiter = new RateLimiter({ capacity: GUESS_BURST, perMinute: GUESSES_PER_MINUTE, now });
  }

  check(ip: string, what: string): void {
    const until = this.blockedUntil.get(ip);
    if (until === undefined) return;
    const wait = until - this.now();
    if (wait <= 0) return void this.blockedUntil.delete(ip);
    throw new WorkshopError('RATE_LIMITED', `Too many wrong ${what} from your network. Wait ${Math.ceil(wait / 1000)} s, then try again.`, { retryAfterMs: wait });
  }

  /** Counts a wrong guess; once the bucket is empty the address is refused (this attempt included). */
  failed(ip: string, what: string): void {
    const taken = this.limiter.take(ip);
    if (taken.ok) return;
    this.blockedUntil.set(ip, this.now() + taken.retryAfterMs);
    this.check(ip, what);
  }
}

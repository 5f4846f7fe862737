import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../lab-server/sessions/rate-limit.ts';

describe('the rate limiter', () => {
  it('allows a burst, then tells how long to wait, per key', () => {
    let now = 0;
    const limiter = new RateLimiter({ capacity: 2, perMinute: 6, now: () => now });
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a').ok).toBe(true);
    const refused = limiter.take('a');
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.retryAfterMs).toBe(10_000);
    expect(limiter.take('b').ok).toBe(true);
    now = 10_000;
    expect(limiter.take('a').ok).toBe(true);
  });
});

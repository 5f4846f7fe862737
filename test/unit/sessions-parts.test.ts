import { describe, expect, it } from 'vitest';
import { OutputBuffer } from '../../lab-server/sessions/output-buffer.ts';
import { RateLimiter } from '../../lab-server/sessions/rate-limit.ts';
import { Store } from '../../lab-server/store/store.ts';
import { Progress } from '../../lab-server/progress/progress.ts';
import { answersFromSolution } from '../../lab-server/checks/verify-labs.ts';
import { TicketBook } from '../../lab-server/ws/tickets.ts';

describe('output replay buffer', () => {
  it('replays exactly the bytes after an offset', () => {
    const buffer = new OutputBuffer(16);
    buffer.append(Buffer.from('hello '));
    buffer.append(Buffer.from('world'));
    expect(buffer.end).toBe(11);
    expect(buffer.since(6).data.toString()).toBe('world');
    expect(buffer.since(11).data.length).toBe(0);
  });

  it('keeps only the newest bytes and reports what was lost', () => {
    const buffer = new OutputBuffer(8);
    buffer.append(Buffer.from('0123456789'));
    buffer.append(Buffer.from('abc'));
    expect(buffer.oldest).toBe(5);
    const { data, lost } = buffer.since(2);
    expect(data.toString()).toBe('56789abc');
    expect(lost).toBe(3);
  });
});

describe('rate limiter', () => {
  it('allows a burst, then tells how long to wait', () => {
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

describe('tickets', () => {
  it('are single use, expire, and belong to one learner', () => {
    let now = 0;
    const book = new TicketBook(() => now);
    const t = book.issue('alice', 'lab', '127.0.0.1');
    expect(book.redeem(t, 'mallory')).toBeUndefined();
    const t2 = book.issue('alice', 'lab', '127.0.0.1');
    expect(book.redeem(t2, 'alice')?.lab).toBe('lab');
    expect(book.redeem(t2, 'alice')).toBeUndefined();
    const t3 = book.issue('alice', 'lab', '127.0.0.1');
    now = 31_000;
    expect(book.redeem(t3, 'alice')).toBeUndefined();
  });
});

describe('progress', () => {
  it('records results, completes once, survives reopening and resets', () => {
    const path = `${process.env.TMPDIR ?? '/tmp'}/bulkhead-progress-${process.pid}-${Date.now()}.db`;
    let store = Store.open(path);
    let progress = new Progress(store);
    const events: boolean[] = [];
    progress.onChange((e) => events.push(e.completedNow));
    expect(progress.record('l', 'caps', 'one', [{ criterion: 'a', passed: false, message: 'not yet' }])).toBe(false);
    expect(progress.record('l', 'caps', 'one', [{ criterion: 'a', passed: true, message: 'ok' }])).toBe(true);
    expect(progress.record('l', 'caps', 'one', [{ criterion: 'a', passed: false, message: 'broke it' }])).toBe(true);
    expect(events).toEqual([false, true, false]);
    store.close();
    store = Store.open(path);
    progress = new Progress(store);
    expect(progress.forLab('l', 'caps')).toEqual({ done: ['one'], results: { one: [{ criterion: 'a', passed: false, message: 'broke it' }] } });
    expect(progress.completedByLab('l')).toEqual({ caps: ['one'] });
    progress.reset('l', 'caps');
    expect(progress.forLab('l', 'caps')).toEqual({ done: [], results: {} });
    store.close();
  });
});

describe('answers from a solution', () => {
  it('takes the last lines, one per answer criterion, in order', () => {
    const exercise = {
      id: 'q', title: 'tt', task: 'xxxxxxxxxx', hints: ['h h'], solution: 's', needsDocker: false,
      criteria: [
        { kind: 'answer' as const, id: 'first', label: 'lll', prompt: 'ppp', compute: 'c', ignoreCase: true },
        { kind: 'sandbox' as const, id: 'mid', label: 'lll', script: 's', timeoutMs: 5000 },
        { kind: 'answer' as const, id: 'second', label: 'lll', prompt: 'ppp', compute: 'c', ignoreCase: true },
      ],
    };
    expect(answersFromSolution(exercise, 'noise\n4026531840\n\n2\n')).toEqual(new Map([['q/first', '4026531840'], ['q/second', '2']]));
  });
});

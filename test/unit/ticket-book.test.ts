import { describe, expect, it } from 'vitest';
import { SingleUseTickets, TICKET_TTL_MS } from '../../lab-server/http/tickets.ts';
import { TicketBook } from '../../lab-server/ws/tickets.ts';

function clock(start = 0) {
  let now = start;
  return { now: () => now, advance: (ms: number) => { now += ms; } };
}

describe('the single-use ticket book', () => {
  it('gives unguessable ids that hand back the payload once', () => {
    const book = new SingleUseTickets<{ lab: string }>();
    const id = book.issue({ lab: 'caps' });
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(book.issue({ lab: 'caps' })).not.toBe(id);
    expect(book.redeem(id)).toEqual({ lab: 'caps' });
    expect(book.redeem(id), 'single use').toBeUndefined();
    expect(book.redeem('made-up')).toBeUndefined();
  });

  it('lives its TTL and not one millisecond longer', () => {
    const time = clock(1_000);
    const book = new SingleUseTickets<string>({ now: time.now });
    const early = book.issue('a');
    const late = book.issue('b');
    time.advance(TICKET_TTL_MS - 1);
    expect(book.redeem(early)).toBe('a');
    time.advance(1);
    expect(book.redeem(late), 'expired at exactly its TTL').toBeUndefined();
  });

  it('honours a shorter TTL of its own', () => {
    const time = clock();
    const book = new SingleUseTickets<string>({ ttlMs: 100, now: time.now });
    const id = book.issue('x');
    time.advance(100);
    expect(book.redeem(id)).toBeUndefined();
  });

  it('is spent by a redemption that does not match, so a wrong try cannot be followed by a right one', () => {
    const book = new SingleUseTickets<{ purpose: string }>();
    const id = book.issue({ purpose: 'board' });
    expect(book.redeem(id, (t) => t.purpose === 'shadow')).toBeUndefined();
    expect(book.redeem(id, (t) => t.purpose === 'board')).toBeUndefined();
  });

  it('forgets expired tickets as new ones are issued, and drops the oldest beyond its cap', () => {
    const time = clock();
    const book = new SingleUseTickets<number>({ max: 3, now: time.now });
    const first = book.issue(1);
    book.issue(2);
    time.advance(TICKET_TTL_MS);
    book.issue(3);
    expect(book.size, 'the two expired ones are gone').toBe(1);
    const fourth = book.issue(4);
    book.issue(5);
    book.issue(6);
    expect(book.size).toBe(3);
    expect(book.redeem(fourth), 'the oldest live one made room').toBe(4);
    expect(book.redeem(first)).toBeUndefined();
  });

  it('sweeps the tickets whose target is gone', () => {
    const book = new SingleUseTickets<{ preview: string }>();
    const keep = book.issue({ preview: 'a' });
    const drop = book.issue({ preview: 'b' });
    book.sweep((t) => t.preview === 'b');
    expect(book.redeem(drop)).toBeUndefined();
    expect(book.redeem(keep)).toEqual({ preview: 'a' });
  });
});

describe("a learner's terminal ticket", () => {
  it('opens the lab it was issued for, for that learner only, once, within its lifetime', () => {
    const time = clock();
    const book = new TicketBook(time.now);
    const stolen = book.issue('alice', 'caps', '10.0.0.1');
    expect(book.redeem(stolen, 'mallory'), "another learner's cookie").toBeUndefined();
    expect(book.redeem(stolen, 'alice'), 'a wrong try spent it').toBeUndefined();
    const mine = book.issue('alice', 'caps', '10.0.0.1');
    expect(book.redeem(mine, undefined), 'no cookie at all').toBeUndefined();
    const good = book.issue('alice', 'caps', '10.0.0.1');
    expect(book.redeem(good, 'alice')).toEqual({ learner: 'alice', lab: 'caps', ip: '10.0.0.1' });
    expect(book.redeem(good, 'alice')).toBeUndefined();
    const late = book.issue('alice', 'caps', '10.0.0.1');
    time.advance(TICKET_TTL_MS);
    expect(book.redeem(late, 'alice')).toBeUndefined();
  });
});

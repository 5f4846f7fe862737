import { describe, expect, it } from 'vitest';
import { TicketBook } from '../../lab-server/ws/tickets.ts';

describe('terminal tickets', () => {
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

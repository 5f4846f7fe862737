import { describe, expect, it } from 'vitest';
import { TICKET_TTL_MS } from '../../lab-server/http/tickets.ts';
import { InstructorTickets } from '../../lab-server/workshops/tickets.ts';

describe('instructor WebSocket tickets', () => {
  it('open one socket of the purpose they were issued for, within their lifetime', () => {
    let now = 0;
    const tickets = new InstructorTickets(() => now);
    const board = tickets.issue({ purpose: 'board', workshop: 'w' });
    expect(tickets.redeem(board, 'shadow'), 'a board ticket is no shadow ticket').toBeUndefined();
    const again = tickets.issue({ purpose: 'board', workshop: 'w' });
    expect(tickets.redeem(again, 'board')).toMatchObject({ purpose: 'board', workshop: 'w' });
    expect(tickets.redeem(again, 'board'), 'single use').toBeUndefined();
    const shadow = tickets.issue({ purpose: 'shadow', workshop: 'w', seat: 's1' });
    now = TICKET_TTL_MS + 1;
    expect(tickets.redeem(shadow, 'shadow'), 'expired').toBeUndefined();
    expect(tickets.redeem('made-up', 'board')).toBeUndefined();
  });

  it('carry the seat and lab of a shadow ticket through to the socket', () => {
    const tickets = new InstructorTickets();
    const id = tickets.issue({ purpose: 'shadow', workshop: 'w', seat: 's1', lab: 'caps' });
    expect(tickets.redeem(id, 'shadow')).toEqual({ purpose: 'shadow', workshop: 'w', seat: 's1', lab: 'caps' });
  });
});

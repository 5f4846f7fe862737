/**
 * Short-lived, single-use tickets: the page asks for one over HTTP (with its learner cookie) right before
 * it opens the WebSocket, so no long-lived secret ever appears in a URL or a log.
 */
import { randomBytes } from 'node:crypto';

export const TICKET_TTL_MS = 30_000;
const TICKET_BYTES = 24;

export interface Ticket {
  learner: string;
  lab: string;
  /** Client address at issue time, for the per-address session cap. */
  ip: string;
  expiresAt: number;
}

export class TicketBook {
  private readonly tickets = new Map<string, Ticket>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  issue(learner: string, lab: string, ip: string): string {
    this.sweep();
    const id = randomBytes(TICKET_BYTES).toString('base64url');
    this.tickets.set(id, { learner, lab, ip, expiresAt: this.now() + TICKET_TTL_MS });
    return id;
  }

  /** Returns the ticket once; a second redemption, an unknown or an expired one gives undefined. */
  redeem(id: string, learner: string | undefined): Ticket | undefined {
    const ticket = this.tickets.get(id);
    if (!ticket) return undefined;
    this.tickets.delete(id);
    if (ticket.expiresAt < this.now() || ticket.learner !== learner) return undefined;
    return ticket;
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, ticket] of this.tickets) if (ticket.expiresAt < now) this.tickets.delete(id);
  }
}

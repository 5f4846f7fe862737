/**
 * The terminal socket's tickets: the page asks for one over HTTP (with its learner cookie) right before
 * it opens `/ws`, and only that learner can spend it. The book itself is http/tickets.ts.
 */
import { SingleUseTickets } from '../http/tickets.ts';

export interface Ticket {
  learner: string;
  lab: string;
  /** Client address at issue time, for the per-address session cap. */
  ip: string;
}

export class TicketBook {
  private readonly book: SingleUseTickets<Ticket>;

  constructor(now: () => number = Date.now) {
    this.book = new SingleUseTickets({ now });
  }

  issue(learner: string, lab: string, ip: string): string {
    return this.book.issue({ learner, lab, ip });
  }

  /** Returns the ticket once; a second redemption, an unknown, an expired or another learner's one gives undefined. */
  redeem(id: string, learner: string | undefined): Ticket | undefined {
    return this.book.redeem(id, (ticket) => ticket.learner === learner);
  }
}

/**
 * The instructor's WebSocket tickets: the page trades its instructor secret (in an Authorization header)
 * for a ticket of one purpose right before it opens `/ws/board` or `/ws/shadow`. The book itself is
 * http/tickets.ts; this only names what an instructor ticket carries.
 */
import { SingleUseTickets } from '../http/tickets.ts';

export type InstructorTicket =
  | { purpose: 'board'; workshop: string }
  /** Watch one seat's terminal: its lab `lab`, or the lab it typed in last. */
  | { purpose: 'shadow'; workshop: string; seat: string; lab?: string };

export class InstructorTickets {
  private readonly book: SingleUseTickets<InstructorTicket>;

  constructor(now: () => number = Date.now) {
    this.book = new SingleUseTickets({ now });
  }

  issue(ticket: InstructorTicket): string {
    return this.book.issue(ticket);
  }

  /** The ticket, once, when it exists, has not expired and was issued for this purpose. */
  redeem<P extends InstructorTicket['purpose']>(id: string, purpose: P): Extract<InstructorTicket, { purpose: P }> | undefined {
    return this.book.redeem(id, (ticket): ticket is Extract<InstructorTicket, { purpose: P }> => ticket.purpose === purpose);
  }
}

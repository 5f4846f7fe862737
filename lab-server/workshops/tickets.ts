/**
 * Single-use, short-lived tickets for the instructor's WebSockets: the page trades its instructor secret
 * (in an Authorization header) for a ticket right before it opens the socket, so the secret itself never
 * travels in a URL, where proxies and logs would keep it.
 */
import { randomBytes } from 'node:crypto';

export const INSTRUCTOR_TICKET_TTL_MS = 30_000;

export type TicketRequest =
  | { purpose: 'board'; workshop: string }
  /** Watch one seat's terminal: its lab `lab`, or the lab it typed in last. */
  | { purpose: 'shadow'; workshop: string; seat: string; lab?: string };

export type InstructorTicket = TicketRequest & { expiresAt: number };

export class InstructorTickets {
  private readonly tickets = new Map<string, InstructorTicket>();
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  issue(request: TicketRequest): string {
    const now = this.now();
    for (const [id, ticket] of this.tickets) if (ticket.expiresAt < now) this.tickets.delete(id);
    const id = randomBytes(24).toString('base64url');
    this.tickets.set(id, { ...request, expiresAt: now + INSTRUCTOR_TICKET_TTL_MS } as InstructorTicket);
    return id;
  }

  /** The ticket, once, when it exists, has not expired and was issued for this purpose. */
  redeem<P extends InstructorTicket['purpose']>(id: string, purpose: P): Extract<InstructorTicket, { purpose: P }> | undefined {
    const ticket = this.tickets.get(id);
    if (!ticket) return undefined;
    this.tickets.delete(id);
    if (ticket.expiresAt < this.now() || ticket.purpose !== purpose) return undefined;
    return ticket as Extract<InstructorTicket, { purpose: P }>;
  }
}

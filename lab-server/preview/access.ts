/**
 * Who may open which preview. Each live session gets one unguessable preview id on first use; the id
 * and every credential for it are forgotten when the session ends. The learner's own cookie stays on
 * the course's host (host-only), so the way onto a preview host is a hand-off: the course issues a
 * one-time ticket to a viewer it has checked, the preview host redeems it once and sets its own
 * host-only cookie holding a token that is good for that preview id only.
 */
import { randomBytes } from 'node:crypto';
import { SingleUseTickets, TICKET_TTL_MS } from '../http/tickets.ts';
import type { Session } from '../sessions/session.ts';
import { newPreviewId } from './names.ts';

export { TICKET_TTL_MS };
/** Browsers (tabs, ports) one viewer may hold for one preview; older tokens are forgotten first. */
const MAX_TOKENS_PER_PREVIEW = 64;

export interface SessionLookup {
  get(id: string): Session | undefined;
}

interface Ticket { preview: string; port: number; viewer: string }
interface Token { preview: string; viewer: string }

function secret(): string {
  return randomBytes(32).toString('base64url');
}

export class PreviewAccess {
  private readonly sessions: SessionLookup;
  private readonly idBySession = new Map<string, string>();
  private readonly sessionById = new Map<string, string>();
  private readonly tickets: SingleUseTickets<Ticket>;
  private readonly tokens = new Map<string, Token>();

  constructor(options: { sessions: SessionLookup; now?: () => number }) {
    this.sessions = options.sessions;
    this.tickets = new SingleUseTickets({ now: options.now ?? Date.now });
  }

  private live(sessionId: string | undefined): Session | undefined {
    const session = sessionId ? this.sessions.get(sessionId) : undefined;
    return session && session.state !== 'expired' ? session : undefined;
  }

  /** The session's preview id, made on first use; undefined once the session has ended. */
  idFor(sessionId: string): string | undefined {
    if (!this.live(sessionId)) return undefined;
    let id = this.idBySession.get(sessionId);
    if (!id) {
      id = newPreviewId();
      this.idBySession.set(sessionId, id);
      this.sessionById.set(id, sessionId);
    }
    return id;
  }

  /** The live session behind a preview id; unknown and ended ones look the same. */
  sessionOf(previewId: string): Session | undefined {
    return this.live(this.sessionById.get(previewId));
  }

  issueTicket(previewId: string, port: number, viewer: string): string {
    return this.tickets.issue({ preview: previewId, port, viewer });
  }

  /** Spends a ticket on the preview host it was issued for; returns the cookie token, or undefined. */
  redeem(ticket: string, previewId: string, port: number): string | undefined {
    const found = this.tickets.redeem(ticket, (t) => t.preview === previewId && t.port === port);
    if (!found || !this.sessionOf(previewId)) return undefined;
    const mine = [...this.tokens].filter(([, t]) => t.preview === previewId && t.viewer === found.viewer);
    for (const [key] of mine.slice(0, Math.max(0, mine.length - MAX_TOKENS_PER_PREVIEW + 1))) this.tokens.delete(key);
    const token = secret();
    this.tokens.set(token, { preview: previewId, viewer: found.viewer });
    return token;
  }

  /** The viewer a cookie token stands for, when it is a token for this preview id. */
  viewerOf(token: string | undefined, previewId: string): string | undefined {
    const found = token ? this.tokens.get(token) : undefined;
    return found?.preview === previewId && this.sessionOf(previewId) ? found.viewer : undefined;
  }

  /** Forgets the ids, tickets and tokens of ended sessions; returns those sessions' ids. */
  sweep(): string[] {
    const ended: string[] = [];
    for (const [sessionId, id] of this.idBySession) {
      if (this.live(sessionId)) continue;
      ended.push(sessionId);
      this.idBySession.delete(sessionId);
      this.sessionById.delete(id);
    }
    this.tickets.sweep((t) => !this.sessionById.has(t.preview));
    for (const [key, t] of this.tokens) if (!this.sessionById.has(t.preview)) this.tokens.delete(key);
    return ended;
  }
}

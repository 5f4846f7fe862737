/**
 * Single-use, short-lived tickets: a page trades a credential it holds (the learner cookie, an instructor
 * secret) for a ticket over HTTP right before it opens a WebSocket or crosses to another host, so the
 * credential itself never travels in a URL, where proxies and logs would keep it.
 *
 * A ticket is spent by its first redemption, right or wrong, so a leaked or guessed id opens nothing
 * twice. The payload says what the ticket is for; the redeemer says what it must match.
 */
import { randomBytes } from 'node:crypto';

export const TICKET_TTL_MS = 30_000;
/** 256 bits: an id cannot be guessed in a ticket's lifetime. */
const TICKET_BYTES = 32;
/** Beyond this many unexpired tickets the oldest is dropped, so a flood of requests cannot grow memory. */
const MAX_TICKETS = 10_000;

interface Entry<T> {
  payload: T;
  expiresAt: number;
}

export class SingleUseTickets<T> {
  private readonly tickets = new Map<string, Entry<T>>();
  private readonly ttlMs: number;
  private readonly max: number;
  private readonly now: () => number;

  constructor(options: { ttlMs?: number; max?: number; now?: () => number } = {}) {
    this.ttlMs = options.ttlMs ?? TICKET_TTL_MS;
    this.max = options.max ?? MAX_TICKETS;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.tickets.size;
  }

  issue(payload: T): string {
    this.dropExpired();
    if (this.tickets.size >= this.max) this.tickets.delete(this.tickets.keys().next().value as string);
    const id = randomBytes(TICKET_BYTES).toString('base64url');
    this.tickets.set(id, { payload, expiresAt: this.now() + this.ttlMs });
    return id;
  }

  /**
   * The payload, once, when the ticket exists, has not expired and `accept` takes it. The ticket is spent
   * either way: a ticket shown with the wrong purpose or by the wrong learner is gone.
   */
  redeem<U extends T>(id: string, accept: (payload: T) => payload is U): U | undefined;
  redeem(id: string, accept?: (payload: T) => boolean): T | undefined;
  redeem(id: string, accept: (payload: T) => boolean = () => true): T | undefined {
    const entry = this.tickets.get(id);
    if (!entry) return undefined;
    this.tickets.delete(id);
    if (entry.expiresAt <= this.now() || !accept(entry.payload)) return undefined;
    return entry.payload;
  }

  /** Drops the expired tickets and those `stale` says are no longer any good (their target is gone). */
  sweep(stale: (payload: T) => boolean = () => false): void {
    this.dropExpired();
    for (const [id, entry] of this.tickets) if (stale(entry.payload)) this.tickets.delete(id);
  }

  /** Every ticket lives the same TTL, so the Map's insertion order is expiry order: stop at the first live one. */
  private dropExpired(): void {
    const now = this.now();
    for (const [id, entry] of this.tickets) {
      if (entry.expiresAt > now) break;
      this.tickets.delete(id);
    }
  }
}

/**
 * Who may act on a workshop: its instructor (the secret from the instructor link) or the organizer (the
 * key file beside the database, who may also create and list workshops). Wrong secrets and keys count
 * per client address like wrong join codes, and a secret that passed scrypt once is remembered by its
 * SHA-256, so the board's requests do not pay scrypt's 50 ms each.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { GuessGuard } from './guess-guard.ts';
import { WorkshopError, normalizeCode, type Workshop } from './model.ts';
import { sameToken, verifySecret } from './secrets.ts';
import type { WorkshopStore } from './workshop-store.ts';

/** Sent with every 401, so a client knows which credential the API wants (RFC 6750). */
export const BEARER_CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="bulkhead-workshop"' } as const;

export class InstructorAuth {
  private readonly store: WorkshopStore;
  private readonly organizerKey: string;
  private readonly guesses: GuessGuard;
  /** Workshop id to the SHA-256 of the secret that passed scrypt for it. */
  private readonly verified = new Map<string, Buffer>();

  constructor(options: { store: WorkshopStore; organizerKey: string; now: () => number }) {
    this.store = options.store;
    this.organizerKey = options.organizerKey;
    this.guesses = new GuessGuard(options.now);
  }

  isOrganizer(token: string | undefined): boolean {
    return token !== undefined && sameToken(token, this.organizerKey);
  }

  requireOrganizer(token: string | undefined, ip: string): void {
    this.guesses.check(ip, 'keys');
    if (!token) throw new WorkshopError('UNAUTHORIZED', 'This needs the organizer key (the file organizer-key in the data folder) as a Bearer token.', { headers: BEARER_CHALLENGE });
    if (this.isOrganizer(token)) return;
    this.guesses.failed(ip, 'keys');
    throw new WorkshopError('FORBIDDEN', 'That is not the organizer key.');
  }

  /** The workshop, when `token` is its instructor secret or the organizer key. */
  async authorize(codeInput: unknown, token: string | undefined, ip: string): Promise<Workshop> {
    this.guesses.check(ip, 'secrets');
    if (!token) throw new WorkshopError('UNAUTHORIZED', 'This needs the instructor secret from the instructor link.', { headers: BEARER_CHALLENGE });
    const code = normalizeCode(codeInput);
    const found = code ? this.store.byCode(code) : undefined;
    if (found && this.isOrganizer(token)) return found.workshop;
    if (!found && this.isOrganizer(token)) throw new WorkshopError('NOT_FOUND', `There is no workshop with the code ${code ?? String(codeInput).slice(0, 12)}.`);
    if (found && await this.secretMatches(found.workshop.id, found.secretHash, token)) return found.workshop;
    this.guesses.failed(ip, 'secrets');
    throw new WorkshopError('FORBIDDEN', 'The workshop code or the instructor secret is wrong.');
  }

  private async secretMatches(id: string, hash: string, token: string): Promise<boolean> {
    const digest = createHash('sha256').update(token).digest();
    const known = this.verified.get(id);
    if (known) return timingSafeEqual(known, digest);
    if (!(await verifySecret(token, hash))) return false;
    this.verified.set(id, digest);
    return true;
  }
}

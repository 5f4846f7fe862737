/** The anonymous learner id lives in an HttpOnly cookie; nothing else about a learner is kept client-side. */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const LEARNER_COOKIE = 'bh_learner';
const LEARNER_ID = /^[A-Za-z0-9_-]{22,64}$/;
const COOKIE_MAX_AGE_S = 365 * 24 * 3600;

export function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

export function learnerOf(req: IncomingMessage): string | undefined {
  const id = readCookie(req, LEARNER_COOKIE);
  return id && LEARNER_ID.test(id) ? id : undefined;
}

/** Returns the learner id, setting a new cookie on the response when the request had none. */
export function ensureLearner(req: IncomingMessage, res: ServerResponse): string {
  const existing = learnerOf(req);
  if (existing) return existing;
  const id = randomBytes(18).toString('base64url');
  const secure = (req.socket as { encrypted?: boolean }).encrypted ? '; Secure' : '';
  res.appendHeader('Set-Cookie', `${LEARNER_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${COOKIE_MAX_AGE_S}${secure}`);
  return id;
}

/**
 * Cross-site requests must not open a learner's terminal or spend their tickets: a state-changing request
 * and every WebSocket upgrade must come from the server's own origin or one the operator allowed.
 */
import type { IncomingMessage } from 'node:http';
import { LabError } from '../errors.ts';

export function isAllowedOrigin(req: IncomingMessage, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (!origin) return false;
  if (allowed.includes(origin)) return true;
  const host = req.headers.host;
  if (!host) return false;
  const scheme = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  return origin === `${scheme}://${host}`;
}

/** For a state-changing API request: a 403 LabError unless it comes from an allowed origin. */
export function requireSameSite(req: IncomingMessage, allowed: readonly string[]): void {
  if (!isAllowedOrigin(req, allowed)) throw new LabError('FORBIDDEN', 'Cross-site request refused.');
}

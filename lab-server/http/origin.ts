/**
 * Cross-site requests must not open a learner's terminal or spend their tickets: a state-changing request
 * and every WebSocket upgrade must come from the server's own origin or one the operator allowed.
 */
import type { IncomingMessage } from 'node:http';

export function isAllowedOrigin(req: IncomingMessage, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (!origin) return false;
  if (allowed.includes(origin)) return true;
  const host = req.headers.host;
  if (!host) return false;
  const scheme = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  return origin === `${scheme}://${host}`;
}

/**
 * The operator's HTTP surface, beside the labs' own `/healthz` (alive):
 *
 *   GET /metrics   Prometheus text; with METRICS_TOKEN set, only with `Authorization: Bearer <token>`
 *                  (else 401); without, only when the server listens on loopback (else 403).
 *   GET /readyz    200 when labs can start now: engine reachable and lab image present, warm pool
 *                  filled, not draining; 503 with the checks that failed otherwise.
 *
 * And the drain: an admission rule that holds new labs back while the server stops (drain.ts).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { listensOnLoopback, type Config } from '../config.ts';
import { LabError } from '../errors.ts';
import { sendJson, type Router } from '../http/router.ts';
import type { Admission, Readiness } from '../labs/admission.ts';
import type { SessionManager } from '../sessions/manager.ts';
import { Drain } from './drain.ts';
import type { Log } from './log.ts';
import type { Metrics } from './metrics.ts';

export const METRICS_PATH = '/metrics';
export const READY_PATH = '/readyz';

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Whether the request may read /metrics; throws the refusal otherwise. */
function checkMetricsAccess(req: IncomingMessage, config: Pick<Config, 'METRICS_TOKEN' | 'HOST'>): void {
  const token = config.METRICS_TOKEN;
  if (token) {
    const given = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    // Compared as digests, so the time taken says nothing of the token's length or prefix.
    if (given && timingSafeEqual(digest(given), digest(token))) return;
    throw new LabError('UNAUTHORIZED', 'Metrics need the METRICS_TOKEN as a bearer token (Authorization: Bearer …).', { headers: { 'WWW-Authenticate': 'Bearer realm="metrics"' } });
  }
  if (listensOnLoopback(config)) return;
  throw new LabError('FORBIDDEN', 'Metrics are off on a public address: set METRICS_TOKEN and scrape with Authorization: Bearer <token> (docs/operations.md).');
}

export interface OpsFeature {
  drain: Drain;
}

export function attachOps(
  deps: { router: Router; sessions: SessionManager; admission: Admission; ready: Readiness },
  options: { config: Pick<Config, 'METRICS_TOKEN' | 'HOST'>; metrics: Metrics; log: Log },
): OpsFeature {
  const { router, sessions, admission, ready } = deps;
  const drain = new Drain({ sessions, admission, log: options.log });

  router.route('GET', METRICS_PATH, async (req, res) => {
    checkMetricsAccess(req, options.config);
    const { contentType, body } = await options.metrics.text();
    res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' }).end(body);
  });

  router.route('GET', READY_PATH, async (_req, res) => {
    const labs = await ready();
    const checks = { labs: labs.ok, pool: sessions.pool.isWarm(), draining: drain.draining };
    const ok = checks.labs && checks.pool && !checks.draining;
    const reason = !checks.labs ? labs.reason : checks.draining ? 'The server is draining (SIGTERM): it admits no new labs.' : !checks.pool ? 'The warm pool is still filling.' : undefined;
    sendJson(res, ok ? 200 : 503, { ready: ok, checks, ...(reason ? { reason } : {}) });
  });

  return { drain };
}

/**
 * Port preview: a learner opens a web app running in their lab in a browser tab, and nobody else can.
 * `attachPreview` registers it with the router and the session assembly. See docs/preview.md for the schemes, the cookie
 * hand-off and the threat model.
 *
 * Host scheme: every request whose Host is under the preview domain is the preview's, before any other
 * route of the course runs (the course's API, socket and pages never answer on a preview host).
 * Path scheme: `/preview/<id>/<port>/` on the course's origin, for the session's owner only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Config } from '../config.ts';
import { learnerOf, readCookie } from '../http/cookies.ts';
import { refuseUpgrade, sendText, type Router } from '../http/router.ts';
import type { LabCatalog } from '../labs/catalog.ts';
import type { SessionAssembly } from '../sessions/assembly.ts';
import type { SessionManager } from '../sessions/manager.ts';
import { PreviewAccess } from './access.ts';
import { NOT_FOUND_TEXT, previewRoutes, REDEEM_PATH, requestProto, type ApiContext, type AuthorizeViewer } from './api.ts';
import { engineFromConfig } from '../engine/from-config.ts';
import { PreviewEngine } from './engine.ts';
import { isolationRefusal } from './isolation.ts';
import { PreviewLimits, type PreviewBounds } from './limits.ts';
import { ListeningPorts } from './listening.ts';
import { hasDotSegment, hostName, isUnderPreviewDomain, parsePreviewHost, parsePreviewPath, PATH_ROOT, previewPath } from './names.ts';
import { PreviewProxy, type ProxyTarget } from './proxy.ts';
import { TargetResolver } from './targets.ts';
import { SILENT, type Log } from '../ops/log.ts';
import type { Metrics } from '../ops/metrics.ts';

/** The preview host's own credential, host-only on each preview host. */
export const PREVIEW_COOKIE = 'bh_preview';
const SWEEP_INTERVAL_MS = 5_000;

/** What the preview needs of lab-server: where to register, whose sessions, which ports each lab shows. */
export interface PreviewDeps {
  router: Router;
  sessions: SessionManager;
  catalog: LabCatalog;
  assembly: SessionAssembly;
}

export interface PreviewOptions {
  config: Pick<Config, 'PREVIEW_MODE' | 'PREVIEW_HOST' | 'DOCKER_HOST' | 'DOCKER_TLS_VERIFY' | 'DOCKER_CERT_PATH' | 'BULKHEAD_INSTANCE'>;
  log?: Log;
  /** Counts preview requests and bytes. */
  metrics?: Pick<Metrics, 'previewRequest' | 'previewSent'>;
  /** Hook for the workshops module: lets an instructor view a learner's preview (host scheme only). */
  authorize?: AuthorizeViewer;
  bounds?: Partial<PreviewBounds>;
}

export interface Preview {
  /** A session's preview id (for an instructor's view of a learner); undefined once it ended. */
  idFor(session: string): string | undefined;
  close(): void;
}

type Answer = { status: number; text: string };
const NOT_FOUND: Answer = { status: 404, text: NOT_FOUND_TEXT };
const BAD_REQUEST: Answer = { status: 400, text: 'The preview takes requests with a plain path (no absolute URI, no dot segments).' };

/** The request line a proxy may act on: origin-form, no dot segments, no CONNECT or TRACE. */
function badRequestLine(req: IncomingMessage): boolean {
  const url = req.url ?? '';
  return !url.startsWith('/') || url.startsWith('//') || hasDotSegment(url) || req.method === 'CONNECT' || req.method === 'TRACE';
}

/** Whether an Origin (or Referer origin) is a preview host of this preview id, on any port. */
function sameIdIn(base: string) {
  return (origin: string, id: string): boolean => {
    try {
      return parsePreviewHost(new URL(origin).host, base)?.id === id;
    } catch {
      return false;
    }
  };
}

function redirectTarget(next: string | null): string {
  return next && next.length < 2_000 && /^\/(?![/\\])/.test(next) ? next : '/';
}

export function attachPreview(deps: PreviewDeps, options: PreviewOptions): Preview {
  const { config } = options;
  const { router, sessions, catalog, assembly } = deps;
  const log = options.log ?? SILENT;
  const access = new PreviewAccess({ sessions });
  if (config.PREVIEW_MODE === 'off') return { idFor: () => undefined, close: () => undefined };
  const mode = config.PREVIEW_MODE;
  const base = config.PREVIEW_HOST;
  const sameId = sameIdIn(base);
  const engine = new PreviewEngine(engineFromConfig(config));
  const resolver = new TargetResolver({ engine, instance: config.BULKHEAD_INSTANCE, log, dial: (session, address, port) => assembly.dial(session, address, port) });
  resolver.follow();
  const listing = new ListeningPorts({ engine, resolver, log });
  const proxy = new PreviewProxy({ resolver, limits: new PreviewLimits(options.bounds), log, ...(options.metrics ? { metrics: options.metrics } : {}) });
  const ctx: ApiContext = {
    mode, base, access, listing, sessions, authorize: options.authorize,
    previewPorts: new Map(catalog.all().map((lab) => [lab.slug, lab.previewPort])),
  };
  previewRoutes(router, ctx);

  /** A check that throws (a bug, or input nobody foresaw) refuses the request instead of ending the server. */
  const guarded = <T>(check: () => T | Answer): T | Answer => {
    try {
      return check();
    } catch (error) {
      log.warn({ event: 'preview.check_failed', err: String(error) }, 'Refused a preview request that failed a check');
      return BAD_REQUEST;
    }
  };

  /** Host scheme: who may see this preview host, or the answer when nobody may. */
  const hostTarget = (req: IncomingMessage): ProxyTarget | Answer => {
    const address = parsePreviewHost(req.headers.host, base);
    if (!address) return NOT_FOUND;
    if (badRequestLine(req)) return BAD_REQUEST;
    const session = access.sessionOf(address.id);
    const viewer = access.viewerOf(readCookie(req, PREVIEW_COOKIE), address.id);
    if (!session || !viewer) return NOT_FOUND;
    const refusal = isolationRefusal(req.headers, (origin) => sameId(origin, address.id));
    if (refusal) {
      log.info({ event: 'preview.isolation_refused', session: session.id, port: address.port, refusal }, 'Refused a preview request across origins');
      return NOT_FOUND;
    }
    return { session: session.id, viewer, port: address.port, path: req.url ?? '/', host: req.headers.host ?? '', proto: requestProto(req) };
  };

  /** Path scheme: the owner's learner cookie, on the course's own origin. */
  const pathTarget = (req: IncomingMessage): ProxyTarget | Answer | 'slash' => {
    const url = req.url ?? '';
    if (hasDotSegment(url)) return BAD_REQUEST;
    const address = parsePreviewPath(url);
    const session = address ? access.sessionOf(address.id) : undefined;
    const learner = learnerOf(req);
    if (!address || !session || !learner || session.learner !== learner) return NOT_FOUND;
    if (!/^\/preview\/[^/]+\/[^/?]+\//.test(url)) return 'slash';
    const own = `${requestProto(req)}://${req.headers.host ?? ''}`;
    if (isolationRefusal(req.headers, (origin) => origin === own)) return NOT_FOUND;
    return { session: session.id, viewer: learner, port: address.port, path: address.rest, host: req.headers.host ?? '', proto: requestProto(req), pathPrefix: previewPath(address) };
  };

  const redeem = (req: IncomingMessage, res: ServerResponse): void => {
    const address = parsePreviewHost(req.headers.host, base);
    const url = new URL(req.url ?? '/', 'http://preview.invalid');
    const token = address ? access.redeem(url.searchParams.get('ticket') ?? '', address.id, address.port) : undefined;
    if (!token) return sendText(res, NOT_FOUND.status, NOT_FOUND.text);
    const secure = requestProto(req) === 'https' ? '; Secure' : '';
    res.writeHead(303, {
      'Set-Cookie': `${PREVIEW_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax${secure}`,
      Location: redirectTarget(url.searchParams.get('next')), 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer',
    }).end();
  };

  const onHostRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if ((req.url ?? '').split('?')[0] === REDEEM_PATH && req.method === 'GET') return redeem(req, res);
    const target = guarded(() => hostTarget(req));
    if ('status' in target) return sendText(res, target.status, target.text);
    proxy.http(req, res, target).catch((error: unknown) => {
      log.error({ event: 'preview.failed', err: String(error) }, 'A preview request failed');
      sendText(res, 502, 'The preview failed; reload to try again.');
    });
  };

  const onHostUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const target = guarded(() => hostTarget(req));
    if ('status' in target) return refuseUpgrade(socket, target.status, target.text);
    proxy.upgrade(req, socket, head, target).catch((error: unknown) => {
      log.error({ event: 'preview.failed', err: String(error) }, 'A preview upgrade failed');
      socket.destroy();
    });
  };

  if (mode === 'host') {
    const isPreviewHost = (req: IncomingMessage) => isUnderPreviewDomain(req.headers.host, base) && hostName(req.headers.host) !== base;
    router.host({ claims: isPreviewHost, request: onHostRequest, upgrade: onHostUpgrade });
  } else {
    router.route('*', { prefix: PATH_ROOT }, async (req, res, { url }) => {
      const target = guarded(() => pathTarget(req));
      if (target === 'slash') res.writeHead(308, { Location: `${url.pathname}/${url.search}` }).end();
      else if ('status' in target) sendText(res, target.status, target.text);
      else await proxy.http(req, res, target);
    });
    router.upgrade({ prefix: PATH_ROOT }, (req, socket, head) => {
      const target = guarded(() => pathTarget(req));
      if (target === 'slash' || 'status' in target) refuseUpgrade(socket, target === 'slash' ? 404 : target.status, target === 'slash' ? NOT_FOUND.text : target.text);
      else void proxy.upgrade(req, socket, head, target).catch(() => socket.destroy());
    });
  }
  assembly.onEnd((session) => proxy.endSession(session.id));

  const sweep = setInterval(() => {
    for (const session of access.sweep()) {
      proxy.endSession(session);
      listing.forget(session);
      resolver.forget(session);
    }
  }, SWEEP_INTERVAL_MS);
  sweep.unref();
  log.info({ event: 'preview.serving', mode, at: mode === 'host' ? `p<port>-<id>.${base}` : `${PATH_ROOT}<id>/<port>/` }, 'Port previews are on');
  return {
    idFor: (session) => access.idFor(session),
    close() {
      clearInterval(sweep);
      for (const session of sessions.all()) proxy.endSession(session.id);
      resolver.close();
      engine.close();
    },
  };
}

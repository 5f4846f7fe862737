/**
 * Composes lab-server: builds each room once and hands each the narrow things it uses. Nothing else
 * lives here, and no module imports this file but main.ts (tests and the bench start servers through it).
 * Without a Docker Engine (or without the lab images) the server still serves the site, in reading mode.
 * docs/architecture.md draws the rooms and the paths between them.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { allowedOrigins, type Config } from './config.ts';
import { LabError } from './errors.ts';
import { Router } from './http/router.ts';
import { serveStatic } from './http/static.ts';
import { Admission, type Readiness } from './labs/admission.ts';
import { labRoutes } from './labs/api.ts';
import { LabCatalog } from './labs/catalog.ts';
import { terminalHandler } from './labs/terminal.ts';
import { removeGateLeftovers, startGate } from './lab-gate.ts';
import { engineFromConfig } from './engine/from-config.ts';
import { EngineUnavailableError } from './errors.ts';
import { createLogger, sentenceLog, type Logger } from './ops/log.ts';
import { Metrics } from './ops/metrics.ts';
import { attachOps } from './ops/routes.ts';
import { attachPreview } from './preview/preview.ts';
import { Progress } from './progress/progress.ts';
import { runtimeFromConfig } from './runtime/docker-runtime.ts';
import { limitsFromConfig } from './runtime/hardening.ts';
import { Reaper } from './runtime/reaper.ts';
import type { SandboxRuntime } from './runtime/sandbox-runtime.ts';
import { SessionAssembly } from './sessions/assembly.ts';
import { defaultCaps, type SessionCaps } from './sessions/caps.ts';
import { SessionManager } from './sessions/manager.ts';
import { DEFAULT_TIMEOUTS, type SessionTimeouts } from './sessions/session.ts';
import { Store } from './store/store.ts';
import { attachWorkshops } from './workshops/index.ts';
import { TerminalSocketServer, WS_PATH } from './ws/terminal-socket.ts';
import { TicketBook } from './ws/tickets.ts';

export interface LabServer {
  server: Server;
  url: string;
  /** Whether learners can start labs; when false, `reason` says why and what to do. */
  labsAvailable: Readiness;
  /** The server's one logger (main.ts logs its start and stop through it). */
  log: Logger;
  metrics: Metrics;
  sessions: SessionManager;
  catalog: LabCatalog;
  store: Store;
  progress: Progress;
  /**
   * The graceful stop: admits no new lab, tells open terminals how long they have, keeps serving them for
   * `graceMs` (DRAIN_GRACE_S by default), then closes. Resolves once closed.
   */
  drain(graceMs?: number): Promise<void>;
  /** Ends every session and stops (at once, also in the middle of a drain). Calls after the first share it. */
  close(): Promise<void>;
}

export interface LabServerOptions {
  runtime?: SandboxRuntime;
  /** The logger; by default one from LOG_LEVEL and LOG_FORMAT writing to stdout. */
  log?: Logger;
  /** Overrides for tests and operators; the defaults are the documented ones. */
  timeouts?: Partial<SessionTimeouts>;
  caps?: Partial<SessionCaps>;
  poolSize?: number;
}

export async function startLabServer(config: Config, options: LabServerOptions = {}): Promise<LabServer> {
  const log = options.log ?? createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const origins = allowedOrigins(config);
  const limits = limitsFromConfig(config);
  const catalog = await LabCatalog.load(config);
  const runtime = options.runtime ?? runtimeFromConfig(config);
  const store = Store.open(join(config.DATA_DIR, 'bulkhead.db'));
  const progress = new Progress(store);
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };

  const ready: Readiness = async () => {
    try {
      await runtime.ping();
      if (!(await runtime.hasImage(catalog.shellImage))) return { ok: false, reason: `The lab image ${catalog.shellImage} is not built: run \`npm run images\`, then start a lab again.` };
      return { ok: true };
    } catch (error) {
      return { ok: false, reason: error instanceof LabError ? error.message : String(error) };
    }
  };

  // Only the gate's warnings: its info lines (listening, closed) add nothing to session.started/ended and
  // name the socket's path, which holds the raw session id.
  const gateLog = { info: () => undefined, warn: sentenceLog(log).warn };
  // Filled in below, once the sessions and workshops exist; the gauges read them when scraped.
  let live: { sessions?: SessionManager; seated?: (learner: string) => boolean; draining?: () => boolean } = {};
  const metrics = new Metrics({
    sessionStates: () => (live.sessions?.all() ?? []).map((s) => s.state),
    poolSize: () => live.sessions?.pool.size ?? 0,
    workshopLearners: () => new Set((live.sessions?.all() ?? []).filter((s) => s.peerCount > 0 && live.seated?.(s.learner)).map((s) => s.learner)).size,
    draining: () => live.draining?.() ?? false,
  });
  const offEngineErrors = engineFromConfig(config).onFailure((error) => metrics.engineError(error instanceof EngineUnavailableError ? 'unavailable' : 'refused'));
  const assembly = new SessionAssembly({
    runtime, progress, checkConcurrency: config.CHECK_CONCURRENCY, metrics,
    startGate: (session, network, lab, sandbox, tunnel) => startGate({
      config, instance: config.BULKHEAD_INSTANCE, session: session.id, network, lab, labId: session.lab.id, expiresAt: session.expiresAt, log: gateLog,
      runtime, sandbox, ...(tunnel ? { tunnel } : {}), observe: metrics.gateOutcome,
    }),
  });
  const sessions = new SessionManager({ runtime, log, metrics, timeouts, poolSize: options.poolSize ?? config.WARM_POOL_SIZE, assembly });
  const admission = new Admission({
    catalog, sessions, ready, caps: { ...defaultCaps(limits.memoryBytes), ...options.caps }, retryLaterMs: timeouts.detachedGraceMs, metrics,
  });
  const reaper = new Reaper({
    runtime, isLive: (id) => sessions.isLive(id), log,
    // Images a learner built carry no container to find them by; the gate's cleanup knows them by label.
    beforeRemove: (session) => removeGateLeftovers(config, config.BULKHEAD_INSTANCE, session),
  });

  const router = new Router(log);
  const tickets = new TicketBook();
  const terminals = new TerminalSocketServer({ tickets, allowedOrigins: origins, metrics, handler: terminalHandler({ catalog, admission, sessions, assembly }) });
  router.upgrade(WS_PATH, terminals.handleUpgrade);
  labRoutes(router, { catalog, admission, ready, tickets, progress, allowedOrigins: origins, sessionCount: () => sessions.size });
  const workshops = attachWorkshops({ router, sessions, catalog, store, progress, admission }, { allowedOrigins: origins, dataDir: config.DATA_DIR, log });
  const preview = attachPreview({ router, sessions, catalog, assembly }, { config, log, metrics });
  const ops = attachOps({ router, sessions, admission, ready }, { config, metrics, log });
  live = { sessions, seated: (learner) => workshops.service.learners.inRunningWorkshop(learner), draining: () => ops.drain.draining };
  router.otherwise((req, res, { url }) => serveStatic(req, res, config.SITE_DIR, url.pathname));

  const server = createServer(router.handleRequest);
  server.on('upgrade', router.handleUpgrade);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  if ((await ready()).ok) {
    await reaper.reap().catch((error: unknown) => log.warn({ event: 'reaper.failed', err: String(error) }, 'The start-up reaper pass failed'));
    for (const profile of catalog.distinctProfiles()) sessions.pool.warm(profile);
  }
  reaper.start();

  let closing: Promise<void> | undefined;
  const close = () => closing ??= (async () => {
    ops.drain.endNow();
    await workshops.close();
    preview.close();
    reaper.stop();
    // Sessions first: each tab hears why its lab ended (and the close frame is out) before the sockets go.
    await sessions.close();
    terminals.close();
    store.close();
    offEngineErrors();
    metrics.registry.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    log.info({ event: 'server.closed' }, 'Stopped: every session ended and its sandbox removed');
  })();

  return {
    server,
    url: `http://${host === '127.0.0.1' ? 'localhost' : host}:${address.port}`,
    labsAvailable: ready,
    log,
    metrics,
    sessions,
    catalog,
    store,
    progress,
    async drain(graceMs = config.DRAIN_GRACE_S * 1000) {
      await ops.drain.begin(graceMs);
      await close();
    },
    close,
  };
}

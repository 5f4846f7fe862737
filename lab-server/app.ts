/**
 * Composes lab-server: one HTTP listener serving the built site, the JSON API and the terminal WebSocket.
 * Without a Docker Engine (or without the lab images) it still serves the site, in reading mode.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { allowedOrigins, type Config } from './config.ts';
import { LabError } from './errors.ts';
import { ensureLearner, learnerOf } from './http/cookies.ts';
import { isAllowedOrigin } from './http/origin.ts';
import { attachPreview } from './preview/preview.ts';
import { serveStatic } from './http/static.ts';
import { imageRefs } from './images.ts';
import { loadLessons, type LoadedLesson } from './lessons.ts';
import { runtimeFromConfig } from './runtime/docker-runtime.ts';
import { limitsFromConfig } from './runtime/hardening.ts';
import type { SandboxRuntime } from './runtime/sandbox-runtime.ts';
import { CheckLimiter, CheckRunner } from './checks/check-runner.ts';
import { Progress } from './progress/progress.ts';
import { Reaper } from './runtime/reaper.ts';
import { Store } from './store/store.ts';
import type { DockerGate } from './gate/index.ts';
import { gateDirFor, removeGateLeftovers, startGate } from './lab-gate.ts';
import { join } from 'node:path';
import type { SandboxProfile } from './runtime/warm-pool.ts';
import { defaultCaps, SessionManager, type SessionCaps } from './sessions/manager.ts';
import type { SessionTimeouts } from './sessions/session.ts';
import { TerminalSocketServer, type TerminalHandler } from './ws/terminal-socket.ts';
import { TicketBook } from './ws/tickets.ts';
import { attachWorkshops } from './workshops/index.ts';

const MAX_API_BODY_BYTES = 4 * 1024;

export interface LabServer {
  server: Server;
  url: string;
  /** Whether learners can start labs; when false, `reason` says why and what to do. */
  labsAvailable(): Promise<{ ok: boolean; reason?: string }>;
  sessions: SessionManager;
  reaper: Reaper;
  progress: Progress;
  store: Store;
  /** The check runner of each session that has exercises. */
  checkers: Map<string, CheckRunner>;
  /** Extra HTTP routes, tried in order before the static site. */
  routes: Array<(req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>>;
  upgrades: Array<(req: IncomingMessage, socket: Duplex, head: Buffer) => boolean>;
  tickets: TicketBook;
  /** Sandbox profile of each lab, by lesson slug. */
  labs: Map<string, SandboxProfile>;
  lessons: LoadedLesson[];
  /** Functions run by close() before the sessions end (modules' own shutdown). */
  onClose: Array<() => Promise<void> | void>;
  close(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' }).end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_API_BODY_BYTES) throw new LabError('BAD_REQUEST', 'Request body too large.');
    chunks.push(chunk as Buffer);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // Fall through to the one error below.
  }
  throw new LabError('BAD_REQUEST', 'Request body must be a JSON object.');
}

export interface LabServerOptions {
  runtime?: SandboxRuntime;
  log?: (line: string) => void;
  /** Overrides for tests and operators; the defaults are the documented ones. */
  timeouts?: Partial<SessionTimeouts>;
  caps?: Partial<SessionCaps>;
  poolSize?: number;
}

export async function startLabServer(config: Config, options: LabServerOptions = {}): Promise<LabServer> {
  const log = options.log ?? ((line: string) => console.log(line));
  const lessons = await loadLessons(config.CONTENT_DIR);
  const limits = limitsFromConfig(config);
  const runtime = options.runtime ?? runtimeFromConfig(config);
  const shellImage = (await imageRefs('shell')).hashTag;
  const labs = new Map<string, SandboxProfile>(lessons.filter((l) => l.lab).map((l) => [l.slug, {
    // Docker labs need the network too: the learner reaches the containers they start over it.
    lab: l.slug, image: shellImage, capAdd: l.lab?.capAdd ?? [], network: l.lab?.network === 'session' || Boolean(l.lab?.docker),
    ...(l.lab?.docker ? { gateDir: (session: string) => gateDirFor(config, session) } : {}),
  }]));
  const labDefinitions = new Map(lessons.map((l) => [l.slug, l.lab]));
  const gates = new Map<string, DockerGate>();
  const gateLog = { info: () => undefined, warn: (line: string) => log(`gate: ${line}`) };
  const exercises = new Map(lessons.map((l) => [l.slug, l.exercises]));
  const store = Store.open(join(config.DATA_DIR, 'bulkhead.db'));
  const progress = new Progress(store);
  const checkers = new Map<string, CheckRunner>();
  const checkLimiter = new CheckLimiter(config.CHECK_CONCURRENCY);
  const sessions = new SessionManager({
    runtime, log, timeouts: options.timeouts, poolSize: options.poolSize ?? config.WARM_POOL_SIZE,
    caps: { ...defaultCaps(limits.memoryBytes), ...options.caps },
    hooks: {
      async beforeShell(session, sandbox) {
        const lab = labDefinitions.get(session.lab.id);
        if (!lab?.docker) return;
        if (!sandbox.network) throw new LabError('SANDBOX_FAILED', 'A Docker lab needs its session network.');
        gates.set(session.id, await startGate({ config, instance: config.BULKHEAD_INSTANCE, session: session.id, network: sandbox.network, lab, labId: session.lab.id, expiresAt: session.expiresAt, log: gateLog }));
      },
      afterStart(session) {
        const sandbox = session.sandboxHandle;
        const labExercises = exercises.get(session.lab.id) ?? [];
        if (!sandbox || labExercises.length === 0) return;
        const runner = new CheckRunner({
          runtime, sandbox, learner: session.learner, lab: session.lab.id, exercises: labExercises, progress, send: (m) => session.notify(m), limiter: checkLimiter,
        });
        checkers.set(session.id, runner);
        session.onPrompt(() => runner.onPrompt());
      },
      async afterEnd(session) {
        checkers.get(session.id)?.stop();
        checkers.delete(session.id);
        const gate = gates.get(session.id);
        gates.delete(session.id);
        await gate?.close();
      },
    },
  });
  const reaper = new Reaper({
    runtime, isLive: (id) => sessions.isLive(id), log,
    // Images a learner built carry no container to find them by; the gate's cleanup knows them by label.
    beforeRemove: (session) => removeGateLeftovers(config, config.BULKHEAD_INSTANCE, session),
  });
  const tickets = new TicketBook();

  const labsAvailable = async (): Promise<{ ok: boolean; reason?: string }> => {
    try {
      await runtime.ping();
      if (!(await runtime.hasImage(shellImage))) return { ok: false, reason: `The lab image ${shellImage} is not built: run \`npm run images\`, then start a lab again.` };
      return { ok: true };
    } catch (error) {
      return { ok: false, reason: error instanceof LabError ? error.message : String(error) };
    }
  };

  const handler: TerminalHandler = {
    async attach(ticket, hello, peer) {
      const profile = labs.get(ticket.lab);
      if (!profile) throw new LabError('SANDBOX_FAILED', `There is no lab called "${ticket.lab}".`);
      const session = await sessions.attach({
        learner: ticket.learner, ip: ticket.ip, profile, size: { cols: hello.cols, rows: hello.rows }, resume: hello.resume,
      }, peer);
      return {
        input: (data) => void session.input(peer, data),
        resize: (cols, rows) => session.resize(peer, cols, rows),
        takeover: () => session.takeover(peer),
        request: (message) => {
          const runner = checkers.get(session.id);
          if (!runner) return peer.control({ type: 'error', code: 'NOT_READY', message: 'This lab has no exercises to check.' });
          if (message.type === 'check') return void runner.request(message.exercise);
          if (!runner.answer(message.exercise, message.criterion, message.value)) {
            peer.control({ type: 'error', code: 'BAD_MESSAGE', message: 'That question does not exist in this lab.' });
          }
        },
        detach: () => session.detach(peer),
      };
    },
  };
  const terminals = new TerminalSocketServer({ tickets, allowedOrigins: allowedOrigins(config), handler });

  /** Further modules (workshops, previews) add routes here; each returns true when it answered. */
  const extraRoutes: Array<(req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>> = [];
  /** Further WebSocket endpoints; each returns true when it took the upgrade. */
  const onClose: Array<() => Promise<void> | void> = [];
  const extraUpgrades: Array<(req: IncomingMessage, socket: Duplex, head: Buffer) => boolean> = [];

  const server = createServer((req, res) => {
    void route(req, res).catch((error: unknown) => {
      const status = error instanceof LabError && error.code === 'BAD_REQUEST' ? 400 : 500;
      if (status === 500) log(`error on ${req.method} ${req.url}: ${String(error)}`);
      if (!res.headersSent) json(res, status, { error: error instanceof LabError ? error.message : 'Internal error.' });
      else res.destroy();
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/healthz') {
      const labsState = await labsAvailable();
      return json(res, 200, { ok: true, labs: labsState.ok ? 'available' : 'unavailable', reason: labsState.reason, sessions: sessions.size });
    }
    if (url.pathname === '/api/tickets') {
      if (req.method !== 'POST') return json(res, 405, { error: 'Use POST.' });
      if (!isAllowedOrigin(req, allowedOrigins(config))) return json(res, 403, { error: 'Cross-site request refused.' });
      const body = await readJson(req);
      const lab = typeof body.lab === 'string' ? body.lab : '';
      if (!labs.has(lab)) return json(res, 404, { error: `There is no lab called "${lab.slice(0, 40)}".` });
      const state = await labsAvailable();
      if (!state.ok) return json(res, 503, { error: state.reason });
      const learner = ensureLearner(req, res);
      return json(res, 201, { ticket: tickets.issue(learner, lab, req.socket.remoteAddress ?? '') });
    }
    if (url.pathname === '/api/progress' && req.method === 'GET') {
      const learner = learnerOf(req);
      const completed = learner ? progress.completedByLab(learner) : {};
      const labsOut: Record<string, { done: string[]; total: number }> = {};
      for (const [lab, list] of exercises) if (list.length) labsOut[lab] = { done: completed[lab] ?? [], total: list.length };
      return json(res, 200, { labs: labsOut });
    }
    const labProgress = /^\/api\/progress\/([a-z0-9-]{1,64})$/.exec(url.pathname);
    if (labProgress?.[1]) {
      const lab = labProgress[1];
      if (!exercises.has(lab)) return json(res, 404, { error: `There is no lab called "${lab}".` });
      const learner = learnerOf(req);
      if (req.method === 'GET') return json(res, 200, learner ? progress.forLab(learner, lab) : { done: [], results: {} });
      if (req.method === 'DELETE') {
        if (!isAllowedOrigin(req, allowedOrigins(config))) return json(res, 403, { error: 'Cross-site request refused.' });
        if (learner) progress.reset(learner, lab);
        return json(res, 200, { done: [], results: {} });
      }
      return json(res, 405, { error: 'Use GET or DELETE.' });
    }
    for (const extra of extraRoutes) if (await extra(req, res, url)) return;
    if (url.pathname.startsWith('/api/')) return json(res, 404, { error: 'No such API route.' });
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'Method not allowed.' });
    return serveStatic(req, res, config.SITE_DIR, url.pathname);
  }

  server.on('upgrade', (req, socket, head) => {
    for (const extra of extraUpgrades) if (extra(req, socket, head)) return;
    terminals.handleUpgrade(req, socket, head);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  if ((await labsAvailable()).ok) {
    await reaper.reap().catch((error: unknown) => log(`reaper: ${String(error)}`));
    for (const profile of new Map([...labs.values()].map((p) => [JSON.stringify([p.capAdd, p.network]), p])).values()) sessions.pool.warm(profile);
  }
  reaper.start();

  const lab: LabServer = {
    server,
    url: `http://${host === '127.0.0.1' ? 'localhost' : host}:${address.port}`,
    labsAvailable,
    sessions,
    reaper,
    progress,
    store,
    checkers,
    routes: extraRoutes,
    upgrades: extraUpgrades,
    tickets,
    labs,
    lessons,
    onClose,
    async close() {
      for (const fn of onClose) await fn();
      reaper.stop();
      terminals.close();
      await sessions.close();
      store.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
  // Modules that build on sessions and progress attach here, in order.
  attachWorkshops(lab, { allowedOrigins: allowedOrigins(config), dataDir: config.DATA_DIR, log });
  attachPreview(lab, { config, log });
  return lab;
}

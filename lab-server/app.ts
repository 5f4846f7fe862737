/**
 * Composes lab-server: one HTTP listener serving the built site, the JSON API and the terminal WebSocket.
 * Without a Docker Engine (or without the lab images) it still serves the site, in reading mode.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { allowedOrigins, type Config } from './config.ts';
import { LabError } from './errors.ts';
import { ensureLearner } from './http/cookies.ts';
import { isAllowedOrigin } from './http/origin.ts';
import { serveStatic } from './http/static.ts';
import { imageRefs } from './images.ts';
import { loadLessons } from './lessons.ts';
import { DockerRuntime } from './runtime/docker-runtime.ts';
import { limitsFromConfig } from './runtime/hardening.ts';
import type { SandboxRuntime } from './runtime/sandbox-runtime.ts';
import { Reaper } from './runtime/reaper.ts';
import type { SandboxProfile } from './runtime/warm-pool.ts';
import { defaultCaps, SessionManager, type SessionCaps } from './sessions/manager.ts';
import type { SessionTimeouts } from './sessions/session.ts';
import { TerminalSocketServer, type TerminalHandler } from './ws/terminal-socket.ts';
import { TicketBook } from './ws/tickets.ts';

const MAX_API_BODY_BYTES = 4 * 1024;

export interface LabServer {
  server: Server;
  url: string;
  /** Whether learners can start labs; when false, `reason` says why and what to do. */
  labsAvailable(): Promise<{ ok: boolean; reason?: string }>;
  sessions: SessionManager;
  reaper: Reaper;
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
  const runtime = options.runtime ?? new DockerRuntime({ socketPath: config.DOCKER_SOCKET, limits, instance: config.BULKHEAD_INSTANCE });
  const shellImage = (await imageRefs('shell')).hashTag;
  const labs = new Map<string, SandboxProfile>(lessons.filter((l) => l.lab).map((l) => [l.slug, {
    lab: l.slug, image: shellImage, capAdd: l.lab?.capAdd ?? [], network: l.lab?.network === 'session',
  }]));
  const sessions = new SessionManager({
    runtime, log, timeouts: options.timeouts, poolSize: options.poolSize ?? config.WARM_POOL_SIZE,
    caps: { ...defaultCaps(limits.memoryBytes), ...options.caps },
  });
  const reaper = new Reaper({ runtime, isLive: (id) => sessions.isLive(id), log });
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
        detach: () => session.detach(peer),
      };
    },
  };
  const terminals = new TerminalSocketServer({ tickets, allowedOrigins: allowedOrigins(config), handler });

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
    if (url.pathname.startsWith('/api/')) return json(res, 404, { error: 'No such API route.' });
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'Method not allowed.' });
    return serveStatic(req, res, config.SITE_DIR, url.pathname);
  }

  server.on('upgrade', (req, socket, head) => terminals.handleUpgrade(req, socket, head));
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

  return {
    server,
    url: `http://${host === '127.0.0.1' ? 'localhost' : host}:${address.port}`,
    labsAvailable,
    sessions,
    reaper,
    async close() {
      reaper.stop();
      terminals.close();
      await sessions.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}

/**
 * The one place lab-server's HTTP surface is declared: routes by method and path, WebSocket upgrades by
 * path, and handlers that own whole hosts (the port preview's subdomains). Features register here at
 * start; the router alone listens on Node's `request` and `upgrade` events, so the order in which
 * features are wired decides nothing but the order they are listed in `app.ts`.
 *
 * Order of dispatch, for requests and upgrades alike: host handlers, then routes (exact paths, then
 * patterns, then prefixes, each in registration order), then the fallback (the static site). A thrown
 * error becomes one JSON reply through `replyError`; a LabError's own status and sentence, else 500.
 */
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { httpStatusOf, LabError } from '../errors.ts';
import { pathOf, type Log } from '../ops/log.ts';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';

/** What a handler gets besides the request: the parsed URL and the pattern's captured groups. */
export interface RouteContext {
  url: URL;
  params: readonly string[];
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, ctx: RouteContext) => Promise<void> | void;
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, ctx: RouteContext) => Promise<void> | void;

/** A handler for every request and upgrade whose Host it claims (checked before any route). */
export interface HostHandler {
  claims(req: IncomingMessage): boolean;
  request(req: IncomingMessage, res: ServerResponse): Promise<void> | void;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> | void;
}

/** A path to match: exact string, a RegExp over the pathname (groups become `params`), or `{ prefix }`. */
export type PathMatcher = string | RegExp | { prefix: string };

interface Entry<H> {
  path: PathMatcher;
  methods?: ReadonlySet<string>;
  handler: H;
}

const JSON_HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' } as const;
/** API bodies are small JSON objects; anything bigger is refused before it is read whole. */
export const MAX_JSON_BODY_BYTES = 4 * 1024;

/** The one JSON reply of lab-server's API. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...JSON_HEADERS, ...headers }).end(JSON.stringify(body));
}

/** Answers with the error's sentence and code; anything but a LabError is logged and reads as a generic 500. `path` is logged without its query. */
export function replyError(res: ServerResponse, error: unknown, log: Log, method: string, path: string): void {
  const status = httpStatusOf(error);
  // A LabError is an answer the server meant (no engine, draining): its sentence is enough. Anything else is a bug: its stack.
  if (!(error instanceof LabError)) log.error({ event: 'http.error', method, path: pathOf(path), status, err: error instanceof Error ? error.stack ?? error.message : String(error) }, 'A request failed');
  else if (status >= 500) log.warn({ event: 'http.unavailable', method, path: pathOf(path), status, code: error.code, err: error.message }, 'A request was answered with an error');
  if (res.headersSent) return void res.destroy();
  if (!(error instanceof LabError)) return sendJson(res, 500, { error: 'Internal error.', code: 'INTERNAL' });
  const headers: Record<string, string> = { ...error.headers };
  if (error.retryAfterMs !== undefined) headers['Retry-After'] = String(Math.ceil(error.retryAfterMs / 1000));
  sendJson(res, status, { error: error.message, code: error.code }, headers);
}

/** Reads a JSON object body of at most `maxBytes`; anything else is a BAD_REQUEST or TOO_LARGE LabError. */
export async function readJsonBody(req: IncomingMessage, maxBytes = MAX_JSON_BODY_BYTES): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new LabError('TOO_LARGE', 'Request body too large.');
    chunks.push(chunk as Buffer);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch (cause) {
    throw new LabError('BAD_REQUEST', 'Request body must be a JSON object.', { cause });
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  throw new LabError('BAD_REQUEST', 'Request body must be a JSON object.');
}

const TEXT_HEADERS = { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' } as const;

/** A plain-text answer (the preview's pages, which are not the API). */
export function sendText(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { ...TEXT_HEADERS, ...extra }).end(`${text}\n`);
}

/** Answers a request that was to become a WebSocket with a plain HTTP status and text, and closes the socket. */
export function refuseUpgrade(socket: Duplex, status: number, text: string, extra: Record<string, string> = {}): void {
  const headers = Object.entries({ ...TEXT_HEADERS, ...extra, 'Content-Length': String(Buffer.byteLength(text) + 1), Connection: 'close' }).map(([k, v]) => `${k}: ${v}`);
  if (socket.writable) socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n${headers.join('\r\n')}\r\n\r\n${text}\n`);
  socket.destroy();
}

function match(path: PathMatcher, pathname: string): readonly string[] | undefined {
  if (typeof path === 'string') return path === pathname ? [] : undefined;
  if (path instanceof RegExp) {
    const found = path.exec(pathname);
    return found ? found.slice(1).map((group) => group ?? '') : undefined;
  }
  return pathname.startsWith(path.prefix) ? [] : undefined;
}

/** Exact paths first, then patterns, then prefixes: a specific route always wins over a broad one. */
function rank(path: PathMatcher): number {
  return typeof path === 'string' ? 0 : path instanceof RegExp ? 1 : 2;
}

export class Router {
  private readonly hosts: HostHandler[] = [];
  private readonly routes: Array<Entry<RouteHandler>> = [];
  private readonly upgrades: Array<Entry<UpgradeHandler>> = [];
  private fallback?: RouteHandler;
  private readonly log: Log;

  constructor(log: Log) {
    this.log = log;
  }

  /** A route (`'*'`: any method); several routes may share a path with different methods, and a path without a route for the method answers 405. */
  route(methods: Method | readonly Method[] | '*', path: PathMatcher, handler: RouteHandler): void {
    const list = methods === '*' ? undefined : typeof methods === 'string' ? [methods] : methods;
    this.routes.push({ path, ...(list ? { methods: new Set(list.includes('GET') ? [...list, 'HEAD'] : list) } : {}), handler });
    this.routes.sort((a, b) => rank(a.path) - rank(b.path));
  }

  upgrade(path: PathMatcher, handler: UpgradeHandler): void {
    this.upgrades.push({ path, handler });
    this.upgrades.sort((a, b) => rank(a.path) - rank(b.path));
  }

  host(handler: HostHandler): void {
    this.hosts.push(handler);
  }

  /** What answers a request no route claims (the static site). */
  otherwise(handler: RouteHandler): void {
    this.fallback = handler;
  }

  /** The `request` listener of the HTTP server. */
  readonly handleRequest = (req: IncomingMessage, res: ServerResponse): void => {
    void this.dispatch(req, res).catch((error: unknown) => replyError(res, error, this.log, req.method ?? '', req.url ?? ''));
  };

  /** The `upgrade` listener of the HTTP server. */
  readonly handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    const fail = (error: unknown) => {
      if (!(error instanceof LabError)) this.log.error({ event: 'http.upgrade_error', path: pathOf(req.url), err: String(error) }, 'An upgrade failed');
      if (socket.writable) refuseUpgrade(socket, httpStatusOf(error), error instanceof LabError ? error.message : 'Internal error');
      else socket.destroy();
    };
    try {
      const host = this.hosts.find((h) => h.claims(req));
      if (host) return void Promise.resolve(host.upgrade(req, socket, head)).catch(fail);
      const url = new URL(req.url ?? '/', 'http://localhost');
      for (const entry of this.upgrades) {
        const params = match(entry.path, url.pathname);
        if (params) return void Promise.resolve(entry.handler(req, socket, head, { url, params })).catch(fail);
      }
      refuseUpgrade(socket, 404, 'Not Found');
    } catch (error) {
      fail(error);
    }
  };

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const host = this.hosts.find((h) => h.claims(req));
    if (host) return host.request(req, res);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const allowed = new Set<string>();
    for (const entry of this.routes) {
      const params = match(entry.path, url.pathname);
      if (!params) continue;
      if (entry.methods && !entry.methods.has(method)) {
        for (const m of entry.methods) if (m !== 'HEAD') allowed.add(m);
        continue;
      }
      return entry.handler(req, res, { url, params });
    }
    if (allowed.size) return sendJson(res, 405, { error: `Use ${[...allowed].join(' or ')}.`, code: 'METHOD' }, { Allow: [...allowed].join(', ') });
    if (url.pathname.startsWith('/api/')) return sendJson(res, 404, { error: 'No such API route.', code: 'NOT_FOUND' });
    if (!this.fallback) return sendJson(res, 404, { error: 'Not found.', code: 'NOT_FOUND' });
    if (method !== 'GET' && method !== 'HEAD') return sendJson(res, 405, { error: 'Method not allowed.', code: 'METHOD' }, { Allow: 'GET, HEAD' });
    return this.fallback(req, res, { url, params: [] });
  }
}

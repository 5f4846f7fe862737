/**
 * The forwarding itself, with node:http and node:net: one request (or one WebSocket) from the browser,
 * one connection to an address the resolver chose, nothing followed (a redirect goes back to the
 * browser as it came), and every exchange bounded in bytes and time. Connections of a session are
 * tracked so that they close when the session ends.
 */
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { Transform, type TransformCallback } from 'node:stream';
import { refuseUpgrade, sendText } from '../http/router.ts';
import { requestHeaders, responseHeaders } from './headers.ts';
import type { PreviewLimits } from './limits.ts';
import type { TargetResolver } from './targets.ts';
import type { Log } from '../ops/log.ts';
import type { Metrics } from '../ops/metrics.ts';

export const MAX_REQUEST_BODY_BYTES = 16 * 1024 * 1024;
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
const RESPONSE_HEADERS_TIMEOUT_MS = 30_000;
/** Silence on a connection, either way, before it is cut. Long enough for a slow page, not for a parked socket. */
const IDLE_TIMEOUT_MS = 60_000;
/** One HTTP exchange, from request to last byte of the response (downloads, server-sent events). */
const MAX_EXCHANGE_MS = 10 * 60_000;
const WEBSOCKET_IDLE_TIMEOUT_MS = 10 * 60_000;
/**
 * After a 429, the connection is not read again for this long: a client that ignores Retry-After and
 * floods over kept-alive connections then costs the event loop one request per connection per pause,
 * not one per round trip.
 */
const OVER_LIMIT_PAUSE_MS = 1_000;

export interface ProxyTarget {
  session: string;
  /** The viewer, for the per-learner bounds. */
  viewer: string;
  port: number;
  /** Origin-form path and query to ask the app for. */
  path: string;
  /** The Host the browser used, passed to the app. */
  host: string;
  proto: 'http' | 'https';
  /** Set in the path scheme: where the preview is mounted on the course's origin. */
  pathPrefix?: string;
}


class ByteLimit extends Transform {
  private seen = 0;
  private readonly max: number;
  private readonly onBytes?: (bytes: number) => void;
  /** `onBytes` hears each chunk's size (the preview's byte count). */
  constructor(max: number, onBytes?: (bytes: number) => void) {
    super();
    this.max = max;
    this.onBytes = onBytes;
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.seen += chunk.length;
    this.onBytes?.(chunk.length);
    if (this.seen > this.max) return done(new RangeError(`more than ${this.max} bytes`));
    done(null, chunk);
  }
}

/** Stops reading the client's connection for a while once its 429 is out (see OVER_LIMIT_PAUSE_MS). */
function holdOff(req: IncomingMessage, res: ServerResponse): void {
  const socket = req.socket;
  res.once('finish', () => setImmediate(() => {
    if (socket.destroyed) return;
    socket.pause();
    setTimeout(() => socket.resume(), OVER_LIMIT_PAUSE_MS).unref();
  }));
}

export const NOTHING_LISTENS = (port: number) => `Nothing in your lab answers on port ${port}. Start the app, make sure it listens on all addresses (0.0.0.0, not 127.0.0.1) and on this port, then reload.`;

export class PreviewProxy {
  private readonly resolver: TargetResolver;
  private readonly limits: PreviewLimits;
  private readonly log: Log;
  private readonly metrics?: Pick<Metrics, 'previewRequest' | 'previewSent'>;
  private readonly open = new Map<string, Set<Duplex>>();

  constructor(options: { resolver: TargetResolver; limits: PreviewLimits; log: Log; metrics?: Pick<Metrics, 'previewRequest' | 'previewSent'> }) {
    this.resolver = options.resolver;
    this.limits = options.limits;
    this.log = options.log;
    this.metrics = options.metrics;
  }

  private track(session: string, ...streams: Duplex[]): void {
    const set = this.open.get(session) ?? new Set<Duplex>();
    this.open.set(session, set);
    for (const stream of streams) {
      set.add(stream);
      stream.once('close', () => {
        set.delete(stream);
        if (set.size === 0 && this.open.get(session) === set) this.open.delete(session);
      });
    }
  }

  /** Cuts every open preview connection of a session (it ended). */
  endSession(session: string): void {
    for (const stream of this.open.get(session) ?? []) stream.destroy();
    this.open.delete(session);
  }

  private async upstreamSocket(target: ProxyTarget) {
    try {
      return await this.resolver.connect(target.session, target.port);
    } catch (error) {
      this.log.warn({ event: 'preview.resolve_failed', session: target.session, port: target.port, err: (error as Error).message }, 'Could not reach a lab\'s app for a preview');
      return undefined;
    }
  }

  async http(req: IncomingMessage, res: ServerResponse, target: ProxyTarget): Promise<void> {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_REQUEST_BODY_BYTES) return sendText(res, 413, `The request body is larger than the preview passes on (${MAX_REQUEST_BODY_BYTES / 1024 / 1024} MiB).`, { Connection: 'close' });
    const admission = this.limits.admit(target.viewer);
    if (!admission.ok) {
      sendText(res, 429, `Preview paused: ${admission.reason}. Try again in a moment.`, { 'Retry-After': String(Math.ceil(admission.retryAfterMs / 1000)) });
      return holdOff(req, res);
    }
    res.once('close', admission.release);
    const connected = await this.upstreamSocket(target);
    if (!connected) return sendText(res, 502, NOTHING_LISTENS(target.port));
    if (res.destroyed) return void connected.socket.destroy();
    const { socket } = connected;
    this.track(target.session, socket);
    const upstream = request({
      method: req.method, path: target.path, setHost: false, createConnection: () => socket,
      headers: requestHeaders(req.headers, { host: target.host, clientAddress: req.socket.remoteAddress ?? '', proto: target.proto, upgrade: false }),
    });
    const fail = (status: number, text: string) => {
      upstream.destroy();
      sendText(res, status, text, { Connection: 'close' });
    };
    const headersTimer = setTimeout(() => fail(504, `The app on port ${target.port} did not answer within ${RESPONSE_HEADERS_TIMEOUT_MS / 1000} s.`), RESPONSE_HEADERS_TIMEOUT_MS);
    const exchangeTimer = setTimeout(() => { upstream.destroy(); res.destroy(); }, MAX_EXCHANGE_MS);
    socket.setTimeout(IDLE_TIMEOUT_MS, () => fail(504, `The app on port ${target.port} went silent.`));
    res.once('close', () => {
      clearTimeout(headersTimer);
      clearTimeout(exchangeTimer);
      upstream.destroy();
    });
    upstream.on('error', (error) => {
      if (!res.headersSent) sendText(res, 502, `The app on port ${target.port} closed the connection (${error.message}).`, { Connection: 'close' });
      else res.destroy();
    });
    upstream.on('response', (answer) => {
      clearTimeout(headersTimer);
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, responseHeaders(answer.headers, target.pathPrefix));
      this.metrics?.previewRequest('http');
      const limit = new ByteLimit(MAX_RESPONSE_BYTES, this.metrics && ((bytes) => this.metrics?.previewSent(bytes)));
      limit.on('error', () => {
        this.log.warn({ event: 'preview.response_cut', session: target.session, port: target.port, bytes: MAX_RESPONSE_BYTES }, 'A preview response was cut at its size bound');
        res.destroy();
        upstream.destroy();
      });
      answer.on('error', () => res.destroy());
      answer.pipe(limit).pipe(res);
    });
    const body = new ByteLimit(MAX_REQUEST_BODY_BYTES);
    body.on('error', () => fail(413, `The request body is larger than the preview passes on (${MAX_REQUEST_BODY_BYTES / 1024 / 1024} MiB).`));
    req.pipe(body).pipe(upstream);
  }

  async upgrade(req: IncomingMessage, client: Duplex, head: Buffer, target: ProxyTarget): Promise<void> {
    client.on('error', () => client.destroy());
    const admission = this.limits.admit(target.viewer, true);
    if (!admission.ok) return refuseUpgrade(client, 429, `Preview paused: ${admission.reason}.`, { 'Retry-After': String(Math.ceil(admission.retryAfterMs / 1000)) });
    client.once('close', admission.release);
    const connected = await this.upstreamSocket(target);
    if (!connected) return refuseUpgrade(client, 502, NOTHING_LISTENS(target.port));
    if (client.destroyed) return void connected.socket.destroy();
    const { socket } = connected;
    this.track(target.session, socket, client);
    socket.on('close', () => client.destroy());
    client.on('close', () => socket.destroy());
    socket.setTimeout(RESPONSE_HEADERS_TIMEOUT_MS, () => socket.destroy());
    const upstream = request({
      method: 'GET', path: target.path, setHost: false, createConnection: () => socket,
      headers: requestHeaders(req.headers, { host: target.host, clientAddress: req.socket.remoteAddress ?? '', proto: target.proto, upgrade: true }),
    });
    upstream.on('error', () => refuseUpgrade(client, 502, NOTHING_LISTENS(target.port)));
    upstream.on('response', (answer) => {
      // The app declined the upgrade: pass its answer on as a plain HTTP response, bounded like any other.
      const headers = responseHeaders(answer.headers, target.pathPrefix);
      const lines = Object.entries(headers).flatMap(([k, v]) => (Array.isArray(v) ? v : [String(v)]).map((x) => `${k}: ${x}`));
      client.write(`HTTP/1.1 ${answer.statusCode ?? 502} ${answer.statusMessage ?? ''}\r\n${[...lines, 'connection: close'].join('\r\n')}\r\n\r\n`);
      answer.pipe(new ByteLimit(MAX_RESPONSE_BYTES)).on('error', () => client.destroy()).pipe(client);
    });
    upstream.on('upgrade', (answer, upgraded, upstreamHead) => {
      const headers = responseHeaders(answer.headers, target.pathPrefix);
      const lines = Object.entries(headers).flatMap(([k, v]) => (Array.isArray(v) ? v : [String(v)]).map((x) => `${k}: ${x}`));
      client.write(`HTTP/1.1 101 ${answer.statusMessage || 'Switching Protocols'}\r\n${['connection: Upgrade', `upgrade: ${answer.headers.upgrade ?? 'websocket'}`, ...lines].join('\r\n')}\r\n\r\n`);
      if (upstreamHead.length) client.write(upstreamHead);
      if (head.length) upgraded.write(head);
      upgraded.setTimeout(WEBSOCKET_IDLE_TIMEOUT_MS, () => upgraded.destroy());
      upgraded.on('error', () => client.destroy());
      upgraded.on('close', () => client.destroy());
      client.on('close', () => upgraded.destroy());
      this.metrics?.previewRequest('websocket');
      if (this.metrics) upgraded.on('data', (chunk: Buffer) => this.metrics?.previewSent(chunk.length));
      upgraded.pipe(client);
      client.pipe(upgraded);
    });
    upstream.end();
  }
}

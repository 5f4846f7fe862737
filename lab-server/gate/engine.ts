/**
 * The gate's only way to the Docker Engine: requests it composes itself (method, path it encodes, query
 * it serializes, body it serialized), never bytes a client sent. Three shapes: buffered JSON, a
 * streamed response (logs, events, build output), and an upgraded connection (attach, exec).
 */
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';

/** Lists and inspects of a session are small; anything larger is a bug or an attack. */
const MAX_BUFFERED_RESPONSE_BYTES = 64 * 1024 * 1024;
const USER_AGENT = 'bulkhead-gate';

export interface EngineCall {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  /** Path without version prefix; every segment already encoded with encodeURIComponent. */
  path: string;
  query?: Record<string, string | undefined>;
  /** Serialized as JSON unless a Buffer or stream (then `contentType` says what it is). */
  body?: unknown;
  contentType?: string;
  /** API version to speak; defaults to the client's negotiated one. */
  version?: string;
}

export interface EngineResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export type UpgradeResult =
  | { upgraded: true; headers: IncomingHttpHeaders; socket: Socket; head: Buffer }
  | { upgraded: false; response: EngineResponse };

export interface EngineClient {
  call(call: EngineCall): Promise<EngineResponse>;
  stream(call: EngineCall, signal?: AbortSignal): Promise<{ status: number; headers: IncomingHttpHeaders; stream: IncomingMessage }>;
  upgrade(call: EngineCall): Promise<UpgradeResult>;
}

export class EngineError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EngineError';
  }
}

export function encodePath(...segments: string[]): string {
  return `/${segments.map(encodeURIComponent).join('/')}`;
}

function target(call: EngineCall, defaultVersion: string): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(call.query ?? {})) if (v !== undefined) params.set(k, v);
  const qs = params.toString();
  const version = call.version ?? defaultVersion;
  return `${version ? `/v${version}` : ''}${call.path}${qs ? `?${qs}` : ''}`;
}

async function readAll(stream: Readable, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > max) throw new EngineError('the engine answer is larger than the gate accepts');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export class HttpEngineClient implements EngineClient {
  readonly socketPath: string;
  /** The API version of every call that does not say otherwise. */
  version: string;

  constructor(socketPath: string, version: string) {
    this.socketPath = socketPath;
    this.version = version;
  }

  private open(call: EngineCall, extraHeaders: Record<string, string> = {}, signal?: AbortSignal, dedicated = false) {
    let payload: Buffer | Readable | undefined;
    let contentType = call.contentType;
    if (Buffer.isBuffer(call.body)) payload = call.body;
    else if (call.body !== undefined && typeof (call.body as Readable).pipe === 'function') payload = call.body as Readable;
    else if (call.body !== undefined) { payload = Buffer.from(JSON.stringify(call.body)); contentType ??= 'application/json'; }
    const headers: Record<string, string> = { Host: 'docker', 'User-Agent': USER_AGENT, ...extraHeaders };
    if (contentType) headers['Content-Type'] = contentType;
    if (Buffer.isBuffer(payload)) headers['Content-Length'] = String(payload.length);
    else if (!payload && call.method !== 'GET' && call.method !== 'HEAD') headers['Content-Length'] = '0';
    // Long-lived answers (streams, upgrades) get a connection of their own, outside the keep-alive pool.
    const req = httpRequest({ socketPath: this.socketPath, method: call.method, path: target(call, this.version), headers, signal, ...(dedicated ? { agent: false } : {}) });
    return { req, payload };
  }

  call(call: EngineCall): Promise<EngineResponse> {
    return new Promise((resolve, reject) => {
      const { req, payload } = this.open(call);
      req.on('error', (cause) => reject(new EngineError(`Docker Engine not reachable: ${cause.message}`, { cause })));
      req.on('response', (res) => {
        readAll(res, MAX_BUFFERED_RESPONSE_BYTES).then((body) => resolve({ status: res.statusCode ?? 500, headers: res.headers, body }), reject);
      });
      if (payload && !Buffer.isBuffer(payload)) payload.pipe(req);
      else req.end(payload);
    });
  }

  stream(call: EngineCall, signal?: AbortSignal): Promise<{ status: number; headers: IncomingHttpHeaders; stream: IncomingMessage }> {
    return new Promise((resolve, reject) => {
      const { req, payload } = this.open(call, {}, signal, true);
      req.on('error', (cause) => reject(new EngineError(`Docker Engine not reachable: ${cause.message}`, { cause })));
      req.on('response', (res) => resolve({ status: res.statusCode ?? 500, headers: res.headers, stream: res }));
      if (payload && !Buffer.isBuffer(payload)) payload.pipe(req);
      else req.end(payload);
    });
  }

  upgrade(call: EngineCall): Promise<UpgradeResult> {
    return new Promise((resolve, reject) => {
      const { req, payload } = this.open(call, { Connection: 'Upgrade', Upgrade: 'tcp' }, undefined, true);
      req.on('error', (cause) => reject(new EngineError(`Docker Engine not reachable: ${cause.message}`, { cause })));
      req.on('upgrade', (res, socket, head) => resolve({ upgraded: true, headers: res.headers, socket, head }));
      req.on('response', (res) => {
        readAll(res, MAX_BUFFERED_RESPONSE_BYTES).then((body) => resolve({ upgraded: false, response: { status: res.statusCode ?? 500, headers: res.headers, body } }), reject);
      });
      req.end(Buffer.isBuffer(payload) ? payload : undefined);
    });
  }
}

/**
 * The one Docker Engine client of lab-server, its scripts, tests and bench. It holds the only dockerode
 * instance (for runtime/ and scripts) and issues the only raw engine requests (the gate's forwarding,
 * the preview's questions), both over the connection DOCKER_HOST names. The API version is asked once
 * per client. Every failure is an EngineError: EngineUnavailableError when nothing answers.
 */
import Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { EngineError, EngineUnavailableError, LabError } from '../errors.ts';
import { DEFAULT_DOCKER_HOST, parseDockerHost, type EngineAddress } from './address.ts';
import { EngineConnection, readTlsFiles } from './connection.ts';
import type { EngineCall, EngineClient, EngineResponse, EngineStream, UpgradeResult } from './shapes.ts';

export { encodePath, type EngineCall, type EngineClient, type EngineResponse, type EngineStream, type UpgradeResult } from './shapes.ts';

/** Lists and inspects are small; anything larger is a bug or an attack. */
const MAX_BUFFERED_RESPONSE_BYTES = 64 * 1024 * 1024;
const PING_TIMEOUT_MS = 3_000;
const USER_AGENT = 'bulkhead';
/** What a failed connection says when the engine is not there (as opposed to refusing a request). */
const UNREACHABLE_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'EPIPE']);

/** How to reach an engine: DOCKER_HOST and, for TLS over tcp://, the docker CLI's two variables. */
export interface EngineSettings {
  DOCKER_HOST: string;
  DOCKER_TLS_VERIFY?: string;
  DOCKER_CERT_PATH?: string;
}

function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'statusCode' in error ? Number((error as { statusCode: unknown }).statusCode) : undefined;
}

function errnoOf(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

async function readAll(stream: Readable, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > max) throw new EngineError(`the Docker Engine's answer is larger than ${max} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export class Engine implements EngineClient {
  /** The DOCKER_HOST this client dials, for messages. */
  readonly where: string;
  /** The one dockerode instance; runtime/ and scripts use it through `run`. */
  readonly docker: Docker;
  private readonly connection: EngineConnection;
  private negotiated: Promise<string> | undefined;
  private readonly failureListeners = new Set<(error: EngineError) => void>();

  constructor(settings: EngineSettings = { DOCKER_HOST: DEFAULT_DOCKER_HOST }) {
    this.where = settings.DOCKER_HOST;
    let address: EngineAddress;
    try {
      address = parseDockerHost(settings.DOCKER_HOST);
    } catch (cause) {
      throw new LabError('CONFIG_INVALID', `DOCKER_HOST=${JSON.stringify(settings.DOCKER_HOST)}: ${(cause as Error).message}`, { cause });
    }
    const tls = address.kind === 'tcp' && settings.DOCKER_TLS_VERIFY ? readTlsFiles(settings.DOCKER_CERT_PATH) : undefined;
    this.connection = new EngineConnection(address, tls);
    this.docker = new Docker(this.connection.dockerodeOptions());
  }

  /**
   * Wraps one dockerode call the same way everywhere: the benign statuses (404 already gone, 304 already
   * stopped, whatever the caller names) resolve to undefined; no connection becomes
   * EngineUnavailableError; any other failure an EngineError naming what was being done.
   */
  async run<T>(what: string, fn: (docker: Docker) => Promise<T>, benign: readonly number[] = []): Promise<T | undefined> {
    try {
      return await fn(this.docker);
    } catch (error) {
      const status = statusOf(error);
      if (status !== undefined && benign.includes(status)) return undefined;
      if (error instanceof EngineError) throw error;
      throw this.failure(what, error);
    }
  }

  /** Hears every failure this client raises (the operator's engine-error count); returns the removal. */
  onFailure(listener: (error: EngineError) => void): () => void {
    this.failureListeners.add(listener);
    return () => void this.failureListeners.delete(listener);
  }

  private failed<E extends EngineError>(error: E): E {
    for (const listener of this.failureListeners) listener(error);
    return error;
  }

  /** The same as `run` for calls that must return something. */
  async must<T>(what: string, fn: (docker: Docker) => Promise<T>): Promise<T> {
    const result = await this.run(what, fn);
    if (result === undefined) throw new EngineError(`Docker Engine returned nothing when asked to ${what}`);
    return result;
  }

  private failure(what: string, error: unknown, status?: number): EngineError {
    const code = errnoOf(error);
    if (code !== undefined && UNREACHABLE_CODES.has(code)) return this.failed(new EngineUnavailableError(`${what}: ${code}`, { cause: error, where: this.where }));
    return this.failed(new EngineError(`Docker Engine refused to ${what}: ${(error as Error).message}`, { cause: error, ...(status ? { status } : {}) }));
  }

  /** Resolves when the engine answers /_ping within `timeoutMs`; otherwise EngineUnavailableError. */
  async ping(timeoutMs = PING_TIMEOUT_MS): Promise<void> {
    let res: EngineResponse;
    try {
      res = await this.call({ method: 'GET', path: '/_ping', version: '' }, AbortSignal.timeout(timeoutMs));
    } catch (error) {
      const code = error instanceof EngineUnavailableError ? errnoOf(error.cause) : undefined;
      throw new EngineUnavailableError(code ?? `no answer within ${timeoutMs} ms`, { cause: error, where: this.where });
    }
    if (res.status !== 200) throw new EngineUnavailableError(`/_ping answered HTTP ${res.status}`, { where: this.where });
  }

  /** The engine's API version, asked once; a failed question is asked again next time. */
  apiVersion(): Promise<string> {
    if (this.negotiated) return this.negotiated;
    const attempt = (async () => {
      const res = await this.call({ method: 'GET', path: '/version', version: '' });
      if (res.status !== 200) throw new EngineError(`the Docker Engine answered /version with HTTP ${res.status}`);
      const version = (JSON.parse(res.body.toString('utf8')) as { ApiVersion?: unknown }).ApiVersion;
      if (typeof version !== 'string' || !/^\d+\.\d+$/.test(version)) throw new EngineError(`the Docker Engine named no usable API version (${JSON.stringify(version)})`);
      return version;
    })();
    this.negotiated = attempt;
    attempt.catch(() => {
      if (this.negotiated === attempt) this.negotiated = undefined;
    });
    return attempt;
  }

  private async target(call: EngineCall): Promise<string> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(call.query ?? {})) if (v !== undefined) params.set(k, v);
    const qs = params.toString();
    const version = call.version ?? await this.apiVersion();
    return `${version ? `/v${version}` : ''}${call.path}${qs ? `?${qs}` : ''}`;
  }

  private async open(call: EngineCall, extraHeaders: Record<string, string>, signal: AbortSignal | undefined, dedicated: boolean) {
    let payload: Buffer | Readable | undefined;
    let contentType = call.contentType;
    if (Buffer.isBuffer(call.body)) payload = call.body;
    else if (call.body !== undefined && typeof (call.body as Readable).pipe === 'function') payload = call.body as Readable;
    else if (call.body !== undefined) { payload = Buffer.from(JSON.stringify(call.body)); contentType ??= 'application/json'; }
    const headers: Record<string, string> = { 'User-Agent': USER_AGENT, ...extraHeaders };
    if (this.connection.address.kind !== 'tcp') headers.Host = 'docker';
    if (contentType) headers['Content-Type'] = contentType;
    if (Buffer.isBuffer(payload)) headers['Content-Length'] = String(payload.length);
    else if (!payload && call.method !== 'GET' && call.method !== 'HEAD') headers['Content-Length'] = '0';
    const path = await this.target(call);
    const req = this.connection.request({ method: call.method, path, headers, signal, dedicated });
    const send = () => {
      if (payload && !Buffer.isBuffer(payload)) payload.pipe(req);
      else req.end(payload);
    };
    return { req, send, payload };
  }

  private requestFailure(call: EngineCall, cause: Error, signal: AbortSignal | undefined): EngineError {
    if (signal?.aborted) return this.failed(new EngineError(`Docker Engine did not finish ${call.method} ${call.path}: ${String((signal.reason as Error | undefined)?.message ?? signal.reason)}`, { cause }));
    return this.failed(new EngineUnavailableError(`${call.method} ${call.path}: ${errnoOf(cause) ?? cause.message}`, { cause, where: this.where }));
  }

  async call(call: EngineCall, signal?: AbortSignal): Promise<EngineResponse> {
    const { req, send } = await this.open(call, {}, signal, false);
    return new Promise((resolve, reject) => {
      req.on('error', (cause) => reject(this.requestFailure(call, cause, signal)));
      req.on('response', (res) => {
        readAll(res, call.maxBytes ?? MAX_BUFFERED_RESPONSE_BYTES).then(
          (body) => resolve({ status: res.statusCode ?? 500, headers: res.headers, body }),
          (error: unknown) => reject(error instanceof EngineError ? error : this.requestFailure(call, error as Error, signal)),
        );
      });
      send();
    });
  }

  async stream(call: EngineCall, signal?: AbortSignal): Promise<EngineStream> {
    const { req, send } = await this.open(call, {}, signal, true);
    return new Promise((resolve, reject) => {
      req.on('error', (cause) => reject(this.requestFailure(call, cause, signal)));
      req.on('response', (res) => resolve({ status: res.statusCode ?? 500, headers: res.headers, stream: res }));
      send();
    });
  }

  async upgrade(call: EngineCall): Promise<UpgradeResult> {
    const { req, payload } = await this.open(call, { Connection: 'Upgrade', Upgrade: 'tcp' }, undefined, true);
    return new Promise((resolve, reject) => {
      req.on('error', (cause) => reject(this.requestFailure(call, cause, undefined)));
      req.on('upgrade', (res, socket, head) => resolve({ upgraded: true, headers: res.headers, socket, head }));
      req.on('response', (res) => {
        readAll(res, MAX_BUFFERED_RESPONSE_BYTES).then((body) => resolve({ upgraded: false, response: { status: res.statusCode ?? 500, headers: res.headers, body } }), reject);
      });
      req.end(Buffer.isBuffer(payload) ? payload : undefined);
    });
  }

  /**
   * A buffered call whose JSON answer the caller wants: statuses in `benign` resolve to undefined, any
   * other error status is an EngineError naming `what` and the engine's own message.
   */
  async json<T>(what: string, call: EngineCall, options: { benign?: readonly number[]; signal?: AbortSignal } = {}): Promise<T | undefined> {
    const res = await this.call(call, options.signal);
    if (options.benign?.includes(res.status)) return undefined;
    if (res.status >= 400) {
      let message = res.body.toString('utf8').trim();
      try { message = String((JSON.parse(message) as { message?: unknown }).message ?? message); } catch { /* plain text */ }
      throw this.failed(new EngineError(`Docker Engine refused to ${what} (HTTP ${res.status}): ${message.slice(0, 300)}`));
    }
    return res.body.length === 0 ? undefined : JSON.parse(res.body.toString('utf8')) as T;
  }

  /** Drops the kept-alive connections; calls after this open new ones. */
  close(): void {
    this.connection.close();
  }
}

/**
 * The one error family of lab-server. Every error a learner, author or operator may see is a `LabError`:
 * a code from the protocol's `ErrorCode` union, a sentence that says what happened and what to do, and,
 * where it answers an HTTP request, the status. Rooms subclass it for their own shape (the gate's
 * refusals, the workshop API's errors) but never invent a code outside the union.
 */
import type { ErrorCode } from '../src/lib/protocol.ts';

export type { ErrorCode };

export interface LabErrorOptions {
  cause?: unknown;
  /** HTTP status when it differs from the code's usual one (see HTTP_STATUS). */
  status?: number;
  /** For RATE_LIMITED: when asking again makes sense. */
  retryAfterMs?: number;
  /** Headers the HTTP answer must carry besides Retry-After (a 401's WWW-Authenticate challenge). */
  headers?: Readonly<Record<string, string>>;
}

/** The status each code answers with over HTTP unless the error says otherwise. */
const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  BAD_FRAME: 400, BAD_MESSAGE: 400, BAD_REQUEST: 400, USAGE: 400, CONFIG_INVALID: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403, POLICY: 403, QUOTA: 403, UNSUPPORTED: 403, NOT_ADMITTED: 403,
  NOT_FOUND: 404, IMAGE_MISSING: 404,
  METHOD: 405,
  ENDED: 409, FULL: 409, NAME_TAKEN: 409, SESSION_GONE: 410,
  TOO_LARGE: 413, URI_TOO_LONG: 414, UNSUPPORTED_VERSION: 426,
  LIMIT_REACHED: 429, RATE_LIMITED: 429,
  ENGINE_ERROR: 502, GATE_ENGINE: 502,
  NOT_READY: 503, DRAINING: 503, ENGINE_UNAVAILABLE: 503, STORE_UNAVAILABLE: 503,
};

export class LabError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryAfterMs?: number;
  readonly headers?: Readonly<Record<string, string>>;
  constructor(code: ErrorCode, message: string, options: LabErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LabError';
    this.code = code;
    this.status = options.status ?? HTTP_STATUS[code] ?? 500;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    if (options.headers !== undefined) this.headers = options.headers;
  }
}

/** The HTTP status for anything thrown: a LabError's own, 500 for the rest. */
export function httpStatusOf(error: unknown): number {
  return error instanceof LabError ? error.status : 500;
}

/** The codes an engine failure may carry: the engine refused, is not there, or (for the gate) answered unusably. */
export type EngineErrorCode = Extract<ErrorCode, 'ENGINE_ERROR' | 'ENGINE_UNAVAILABLE' | 'GATE_ENGINE'>;

/** Anything the one engine client (lab-server/engine) raises: a refusal, an unusable answer, no engine. */
export class EngineError extends LabError {
  constructor(message: string, options: LabErrorOptions & { code?: EngineErrorCode } = {}) {
    super(options.code ?? 'ENGINE_ERROR', message, options);
    this.name = 'EngineError';
  }
}

/** Raised when the Docker Engine cannot be reached; the server keeps serving the site in reading mode. */
export class EngineUnavailableError extends EngineError {
  /** `where` is the DOCKER_HOST the client dialled, so the operator sees which engine is meant. */
  constructor(detail: string, options: { cause?: unknown; where?: string } = {}) {
    const at = options.where ? ` at ${options.where}` : '';
    // A socket that is there but not ours to open needs another fix than an engine that is not running.
    const remedy = /\bEACCES\b/.test(detail)
      ? `this user (uid ${process.getuid?.() ?? '?'}) may not open the engine's socket: add it to the socket's group (\`stat -c %g\` of the socket; with docker compose, set DOCKER_GID to that number), then restart Bulkhead`
      : 'start Docker (for example `sudo systemctl start docker`) or point DOCKER_HOST at a running engine, then restart Bulkhead';
    super(`Docker Engine not reachable${at} (${detail}): ${remedy}; the course stays readable meanwhile.`, { code: 'ENGINE_UNAVAILABLE', cause: options.cause });
    this.name = 'EngineUnavailableError';
  }
}

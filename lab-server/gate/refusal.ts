/**
 * Every answer the gate gives instead of the engine's. A refusal looks like an engine error (JSON
 * `{"message": ...}` with an HTTP status) so the docker CLI and Compose print it as they would print the
 * engine's own, and its message teaches: what was refused, why it is dangerous, which lesson covers it.
 * A refusal is a `LabError`: its code is one of the protocol's, its status the HTTP status it answers with.
 */
import { LabError, type ErrorCode } from '../errors.ts';

/** The course's lesson slugs a refusal may point to. */
export type Lesson =
  | 'compose' | 'inspect' | 'threats' | 'namespaces' | 'cgroups' | 'daemon' | 'images'
  | 'capabilities' | 'user-namespaces' | 'hardening' | 'best-practices';

/** The codes the gate answers with; ENGINE_ERROR carries the engine's own status. */
export type GateCode = Extract<ErrorCode,
  'POLICY' | 'QUOTA' | 'UNSUPPORTED' | 'NOT_FOUND' | 'METHOD' | 'TOO_LARGE' | 'URI_TOO_LONG' | 'BAD_REQUEST' | 'ENGINE_ERROR'>;

export class GateRefusal extends LabError {
  declare readonly code: GateCode;
  /** The lesson that teaches why, for the operator's refusal counts (a bounded set, like the code). */
  readonly lesson?: Lesson;
  constructor(code: GateCode, message: string, options: { status?: number; cause?: unknown; lesson?: Lesson } = {}) {
    super(code, message, options);
    this.name = 'GateRefusal';
    if (options.lesson) this.lesson = options.lesson;
  }
}

/** How one request ended, for the operator's counts (lab-server/ops/metrics.ts names the decisions). */
export interface GateOutcome {
  decision: 'allowed' | 'refused' | 'not_found' | 'engine_error' | 'failed';
  /** For refusals: the code and the lesson. */
  code?: GateCode;
  lesson?: Lesson;
}

/** Hears every request's outcome; `route` is the route table's name, `unmatched` outside it. */
export type GateObserver = (route: string, outcome: GateOutcome) => void;

export function outcomeOf(error: unknown): GateOutcome {
  if (error === undefined) return { decision: 'allowed' };
  if (!(error instanceof GateRefusal)) return { decision: error instanceof LabError && error.code.includes('ENGINE') ? 'engine_error' : 'failed' };
  if (error.code === 'NOT_FOUND') return { decision: 'not_found' };
  if (error.code === 'ENGINE_ERROR') return { decision: 'engine_error' };
  return { decision: 'refused', code: error.code, ...(error.lesson ? { lesson: error.lesson } : {}) };
}

/** A request the lab's policy does not allow: 403, like an authorization plugin's denial. */
export function forbidden(what: string, why: string, lesson: Lesson): GateRefusal {
  return new GateRefusal('POLICY', `Bulkhead lab: ${what} is not allowed here: ${why} (lesson "${lesson}").`, { lesson });
}

/** A request the gate does not understand or that is malformed: 400. Fail closed, say what to change. */
export function badRequest(message: string): GateRefusal {
  return new GateRefusal('BAD_REQUEST', `Bulkhead lab: ${message}`);
}

/** A request or build context above the gate's bounds: 413. */
export function tooLarge(message = 'the request body is too large.'): GateRefusal {
  return new GateRefusal('TOO_LARGE', `Bulkhead lab: ${message}`);
}

/** An endpoint outside the allowlist. */
export function unsupported(method: string, path: string): GateRefusal {
  return new GateRefusal('UNSUPPORTED',
    `Bulkhead lab: ${method} ${path} is not available in the lab: the lab's Docker gate lets through only the commands the course uses (run, exec, logs, inspect, ps, images, build, network, volume, compose); everything else is refused so that nothing it does not understand reaches the Docker Engine (lesson "daemon").`, { lesson: 'daemon' });
}

/** A quota reached: 403 with the number. */
export function quota(kind: string, max: number): GateRefusal {
  return new GateRefusal('QUOTA',
    `Bulkhead lab: this lab allows at most ${max} ${kind}; remove one you no longer need (\`docker ${kind.replace(/s$/, '')} rm ...\`) and try again. Limits keep one learner from exhausting a machine others share (lesson "cgroups").`, { lesson: 'cgroups' });
}

/** Objects of other sessions and of the lab itself answer exactly like missing ones, with the engine's wording. */
export function notFound(message: string): GateRefusal {
  return new GateRefusal('NOT_FOUND', message);
}
export const noSuchContainer = (ref: string) => notFound(`No such container: ${ref}`);
export const noSuchNetwork = (ref: string) => notFound(`network ${ref} not found`);
export const noSuchVolume = (ref: string) => notFound(`get ${ref}: no such volume`);
export const noSuchImage = (ref: string) => notFound(`No such image: ${ref}`);
export const noSuchExec = (ref: string) => notFound(`No such exec instance: ${ref}`);

/** An engine error passed on to the learner with the engine's status (the text is rewritten by the caller). */
export function engineRefusal(status: number, message: string): GateRefusal {
  return new GateRefusal('ENGINE_ERROR', message, { status });
}

/** The body an engine error carries. */
export function errorBody(message: string): string {
  return `${JSON.stringify({ message })}\n`;
}

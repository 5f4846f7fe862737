/**
 * Every answer the gate gives instead of the engine's. A refusal looks like an engine error (JSON
 * `{"message": ...}` with an HTTP status) so the docker CLI and Compose print it as they would print the
 * engine's own, and its message teaches: what was refused, why it is dangerous, which lesson covers it.
 */

/** The course's lesson slugs a refusal may point to. */
export type Lesson =
  | 'compose' | 'inspect' | 'threats' | 'namespaces' | 'cgroups' | 'daemon' | 'images'
  | 'capabilities' | 'user-namespaces' | 'hardening' | 'best-practices';

export class GateRefusal extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.name = 'GateRefusal';
  }
}

/** A request the lab's policy does not allow: 403, like an authorization plugin's denial. */
export function forbidden(what: string, why: string, lesson: Lesson): GateRefusal {
  return new GateRefusal(403, 'POLICY', `Bulkhead lab: ${what} is not allowed here: ${why} (lesson "${lesson}").`);
}

/** A request the gate does not understand or that is malformed: 400. Fail closed, say what to change. */
export function badRequest(message: string): GateRefusal {
  return new GateRefusal(400, 'BAD_REQUEST', `Bulkhead lab: ${message}`);
}

/** An endpoint outside the allowlist. */
export function unsupported(method: string, path: string): GateRefusal {
  return new GateRefusal(403, 'UNSUPPORTED',
    `Bulkhead lab: ${method} ${path} is not available in the lab: the lab's Docker gate lets through only the commands the course uses (run, exec, logs, inspect, ps, images, build, network, volume, compose); everything else is refused so that nothing it does not understand reaches the Docker Engine (lesson "daemon").`);
}

/** A quota reached: 403 with the number. */
export function quota(kind: string, max: number): GateRefusal {
  return new GateRefusal(403, 'QUOTA',
    `Bulkhead lab: this lab allows at most ${max} ${kind}; remove one you no longer need (\`docker ${kind.replace(/s$/, '')} rm ...\`) and try again. Limits keep one learner from exhausting a machine others share (lesson "cgroups").`);
}

/** Objects of other sessions and of the lab itself answer exactly like missing ones, with the engine's wording. */
export function noSuchContainer(ref: string): GateRefusal {
  return new GateRefusal(404, 'NOT_FOUND', `No such container: ${ref}`);
}
export function noSuchNetwork(ref: string): GateRefusal {
  return new GateRefusal(404, 'NOT_FOUND', `network ${ref} not found`);
}
export function noSuchVolume(ref: string): GateRefusal {
  return new GateRefusal(404, 'NOT_FOUND', `get ${ref}: no such volume`);
}
export function noSuchImage(ref: string): GateRefusal {
  return new GateRefusal(404, 'NOT_FOUND', `No such image: ${ref}`);
}
export function noSuchExec(ref: string): GateRefusal {
  return new GateRefusal(404, 'NOT_FOUND', `No such exec instance: ${ref}`);
}

/** The body an engine error carries. */
export function errorBody(message: string): string {
  return `${JSON.stringify({ message })}\n`;
}

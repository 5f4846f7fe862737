/**
 * What a handler knows about its session: identity and naming, policy, the engine, the exec instances
 * it created, and a lock that serializes the creates so quotas cannot be raced.
 */
import type { EngineCall, EngineClient } from './engine.ts';
import type { GatePolicy } from './policy.ts';
import { engineRefusal, type GateObserver, type GateRefusal } from './refusal.ts';
import { toLearnerText, type SessionIdentity } from './naming.ts';

export interface GateLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

export const SILENT_LOG: GateLog = { info: () => {}, warn: () => {} };

export interface SessionContext {
  id: SessionIdentity;
  policy: GatePolicy;
  engine: EngineClient;
  /** Exec instance id → container id, for execs this session created. */
  execs: Map<string, string>;
  /** Image ids a build left behind (intermediate stages), removed with the session. */
  buildImages: Set<string>;
  /** The engine's API version, the highest a client may speak. */
  engineVersion: string;
  serialize<T>(fn: () => Promise<T>): Promise<T>;
  log: GateLog;
  /** Hears each request's outcome (the operator's metrics). */
  observe?: GateObserver;
}

export function serializer(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>) => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
}

/** An engine error passed on to the learner, with engine-side names rewritten to theirs. */
export function engineFailure(ctx: SessionContext, status: number, body: Buffer): GateRefusal {
  let message = body.toString('utf8').trim();
  try {
    const parsed = JSON.parse(message) as { message?: unknown };
    if (typeof parsed.message === 'string') message = parsed.message;
  } catch { /* plain text */ }
  return engineRefusal(status, toLearnerText(ctx.id, message.slice(0, 4096)));
}

/** Calls the engine and parses its JSON answer; an engine error becomes the learner's error. */
export async function engineJson<T>(ctx: SessionContext, call: EngineCall, accept: readonly number[] = []): Promise<T> {
  const res = await ctx.engine.call(call);
  if (res.status >= 400 && !accept.includes(res.status)) throw engineFailure(ctx, res.status, res.body);
  if (res.body.length === 0) return undefined as T;
  return JSON.parse(res.body.toString('utf8')) as T;
}

/** What a handler answers; the server turns it into HTTP. */
import type { Readable } from 'node:stream';
import type { EngineCall } from './engine.ts';
import type { JsonValue } from './strict-json.ts';
import { badRequest } from './refusal.ts';
import type { Method } from './request.ts';
import type { Route } from './routes.ts';

export interface GateRequest {
  method: Method;
  /** The client's API version, or the engine's when it sent none. */
  version: string;
  path: string;
  query: Map<string, string>;
  route: Route;
  /** Parsed strictly, for routes that take JSON. */
  json?: JsonValue;
  /** Raw bytes, for routes that take a tar (build). */
  raw?: Buffer;
}

export type GateReply =
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'empty'; status: number; headers?: Record<string, string> }
  | { kind: 'bytes'; status: number; contentType: string; body: Buffer | string; headers?: Record<string, string> }
  /** A streamed engine answer; `lines` rewrites newline-delimited JSON one line at a time (undefined drops it). */
  | { kind: 'stream'; status: number; contentType: string; stream: Readable; lines?: (line: string) => Promise<string | undefined> | string | undefined; abort: () => void }
  | { kind: 'upgrade'; call: EngineCall };

export const json = (body: unknown, status = 200): GateReply => ({ kind: 'json', status, body });
export const empty = (status = 204): GateReply => ({ kind: 'empty', status });

/** Refuses query parameters a route does not know, so nothing unchecked reaches the engine. */
export function checkQuery(req: GateRequest, known: readonly string[]): void {
  for (const key of req.query.keys()) {
    if (!known.includes(key)) throw badRequest(`the query parameter "${key}" is not accepted on ${req.method} ${req.path} in the lab.`);
  }
}

export function flag(req: GateRequest, key: string): boolean {
  const value = req.query.get(key);
  if (value === undefined || value === '') return false;
  if (['1', 'true', 'True', 'TRUE', 't'].includes(value)) return true;
  if (['0', 'false', 'False', 'FALSE', 'f'].includes(value)) return false;
  throw badRequest(`the query parameter "${key}" must be a boolean.`);
}

export function boolParam(req: GateRequest, key: string): string | undefined {
  return req.query.has(key) ? (flag(req, key) ? '1' : '0') : undefined;
}

export function intParam(req: GateRequest, key: string, min: number, max: number): string | undefined {
  const value = req.query.get(key);
  if (value === undefined || value === '') return undefined;
  if (!/^-?[0-9]{1,12}$/.test(value) || Number(value) < min || Number(value) > max) throw badRequest(`the query parameter "${key}" must be an integer between ${min} and ${max}.`);
  return String(Number(value));
}

/** A timestamp or a duration as the CLI sends them for since/until. */
export function timeParam(req: GateRequest, key: string): string | undefined {
  const value = req.query.get(key);
  if (value === undefined || value === '') return undefined;
  if (!/^[0-9A-Za-z.:+-]{1,40}$/.test(value)) throw badRequest(`the query parameter "${key}" is not a time.`);
  return value;
}

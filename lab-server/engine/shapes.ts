/**
 * The shapes of a raw engine call and its three kinds of answer: buffered (JSON), streamed (logs, events,
 * builds) and upgraded (attach, exec). The gate composes every field itself; no client byte passes through.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

export interface EngineCall {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  /** Path without version prefix; every segment already encoded with encodeURIComponent. */
  path: string;
  query?: Record<string, string | undefined>;
  /** Serialized as JSON unless a Buffer or stream (then `contentType` says what it is). */
  body?: unknown;
  contentType?: string;
  /** API version to speak; defaults to the client's negotiated one. `''` sends no version prefix. */
  version?: string;
  /** Largest buffered answer accepted, in bytes (default 64 MiB). */
  maxBytes?: number;
}

export interface EngineResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface EngineStream {
  status: number;
  headers: IncomingHttpHeaders;
  stream: IncomingMessage;
}

export type UpgradeResult =
  | { upgraded: true; headers: IncomingHttpHeaders; socket: Socket; head: Buffer }
  | { upgraded: false; response: EngineResponse };

/** The raw shapes: buffered JSON, a streamed answer (logs, events, builds), an upgraded connection (attach, exec). */
export interface EngineClient {
  call(call: EngineCall, signal?: AbortSignal): Promise<EngineResponse>;
  stream(call: EngineCall, signal?: AbortSignal): Promise<EngineStream>;
  upgrade(call: EngineCall): Promise<UpgradeResult>;
}

export function encodePath(...segments: string[]): string {
  return `/${segments.map(encodeURIComponent).join('/')}`;
}

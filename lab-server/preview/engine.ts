/**
 * The preview's few questions to the Docker Engine, over the one engine client: list a session's
 * containers and networks (by label), follow the event stream, and run one read-only command in a
 * container. Every call is named in its error, bounded in time and size, and composed here (no byte
 * from a browser reaches the engine).
 */
import type { Engine } from '../engine/client.ts';
import { EngineError } from '../errors.ts';

const CALL_TIMEOUT_MS = 5_000;
const MAX_JSON_BYTES = 4 * 1024 * 1024;
/** Docker's multiplexed stream: 8-byte frame headers, stream type in byte 0, length in bytes 4 to 7. */
const FRAME_HEADER_BYTES = 8;
const STDOUT = 1;
/** Room for the frame headers around `maxBytes` of output. */
const FRAMING_SLACK_BYTES = 64 * 1024;

export interface ExecOutput {
  stdout: Buffer;
  timedOut: boolean;
}

export class PreviewEngine {
  private readonly engine: Engine;

  constructor(engine: Engine) {
    this.engine = engine;
  }

  /** `path` may carry its query string; the answer must be 200 and JSON. */
  async json<T>(what: string, path: string): Promise<T> {
    const res = await this.engine.call({ method: 'GET', path, maxBytes: MAX_JSON_BYTES }, AbortSignal.timeout(CALL_TIMEOUT_MS));
    if (res.status !== 200) throw new EngineError(`Docker Engine refused to ${what} (HTTP ${res.status}): ${res.body.toString('utf8').slice(0, 200)}`);
    return JSON.parse(res.body.toString('utf8')) as T;
  }

  /** Runs `cmd` in a container and returns its standard output, at most `maxBytes` of it. */
  async exec(containerId: string, cmd: readonly string[], options: { user?: string; timeoutMs: number; maxBytes: number }): Promise<ExecOutput> {
    const short = containerId.slice(0, 12);
    const created = await this.engine.call({
      method: 'POST', path: `/containers/${encodeURIComponent(containerId)}/exec`,
      body: { Cmd: [...cmd], AttachStdout: true, AttachStderr: false, AttachStdin: false, Tty: false, ...(options.user ? { User: options.user } : {}) },
    }, AbortSignal.timeout(CALL_TIMEOUT_MS));
    if (created.status !== 201) throw new EngineError(`Docker Engine refused an exec in ${short} (HTTP ${created.status})`);
    const execId = (JSON.parse(created.body.toString('utf8')) as { Id: string }).Id;
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
    const chunks: Buffer[] = [];
    let size = 0;
    let timedOut = false;
    try {
      const out = await this.engine.stream({ method: 'POST', path: `/exec/${encodeURIComponent(execId)}/start`, body: { Detach: false, Tty: false } }, stop.signal);
      if (out.status !== 200) {
        out.stream.resume();
        throw new EngineError(`Docker Engine refused to run the exec in ${short} (HTTP ${out.status})`);
      }
      for await (const chunk of out.stream) {
        size += (chunk as Buffer).length;
        if (size <= options.maxBytes + FRAMING_SLACK_BYTES) chunks.push(chunk as Buffer);
      }
    } catch (error) {
      // A command still running at the deadline has said what it had to say; the rest is cut off.
      if (!stop.signal.aborted) throw error;
      timedOut = true;
    } finally {
      clearTimeout(timer);
    }
    return { stdout: demuxStdout(Buffer.concat(chunks)).subarray(0, options.maxBytes), timedOut };
  }

  /**
   * Follows the engine's event stream (`/events`, JSON lines) until it ends or `signal` aborts; resolves
   * once the engine accepted the subscription and calls `onEvent` for every event after that.
   */
  async events(filters: Record<string, string[]>, onEvent: (event: Record<string, unknown>) => void, onEnd: () => void, signal: AbortSignal): Promise<void> {
    let res;
    try {
      res = await this.engine.stream({ method: 'GET', path: '/events', query: { filters: JSON.stringify(filters) } }, signal);
    } catch (error) {
      onEnd();
      throw error;
    }
    if (res.status !== 200) {
      res.stream.resume();
      throw new EngineError(`Docker Engine refused the event stream (HTTP ${res.status})`);
    }
    let pending = '';
    res.stream.setEncoding('utf8');
    res.stream.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        try {
          if (line.trim()) onEvent(JSON.parse(line) as Record<string, unknown>);
        } catch {
          onEvent({});
        }
      }
      if (pending.length > MAX_JSON_BYTES) pending = '';
    });
    // An abort ends the answer with an error; the end is what the follower needs to hear either way.
    res.stream.on('error', () => undefined);
    res.stream.on('close', onEnd);
  }

  /** The engine client is shared with the rest of lab-server; the preview holds nothing of its own to close. */
  close(): void {}
}

/** Standard output of a multiplexed exec stream; other streams and a torn last frame are dropped. */
export function demuxStdout(stream: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  while (at + FRAME_HEADER_BYTES <= stream.length) {
    const type = stream[at];
    const length = stream.readUInt32BE(at + 4);
    const end = Math.min(stream.length, at + FRAME_HEADER_BYTES + length);
    if (type === STDOUT) out.push(stream.subarray(at + FRAME_HEADER_BYTES, end));
    at = end;
  }
  return Buffer.concat(out);
}

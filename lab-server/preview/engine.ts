/**
 * The preview's few questions to the Docker Engine, over its Unix socket: list a session's containers
 * and networks (by label), and run one read-only command in a container. Every call is named in its
 * error, bounded in time and size, and composed here (no byte from a browser reaches the engine).
 */
import { Agent, request } from 'node:http';
import { LabError } from '../errors.ts';

const CALL_TIMEOUT_MS = 5_000;
const MAX_JSON_BYTES = 4 * 1024 * 1024;
/** Docker's multiplexed stream: 8-byte frame headers, stream type in byte 0, length in bytes 4 to 7. */
const FRAME_HEADER_BYTES = 8;
const STDOUT = 1;

export interface ExecOutput {
  stdout: Buffer;
  timedOut: boolean;
}

export class PreviewEngine {
  private readonly socketPath: string;
  /** Kept-alive connections: a preview asks the engine once per request. */
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 16 });

  constructor(socketPath: string) {
    this.socketPath = socketPath;
  }

  private send(what: string, method: string, path: string, body?: unknown, timeoutMs = CALL_TIMEOUT_MS, maxBytes = MAX_JSON_BYTES): Promise<{ status: number; body: Buffer; timedOut: boolean }> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      let timedOut = false;
      const chunks: Buffer[] = [];
      let size = 0;
      const req = request({
        socketPath: this.socketPath, agent: this.agent, method, path,
        headers: { Host: 'docker', ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) } : {}) },
      }, (res) => {
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= maxBytes) chunks.push(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 500, body: Buffer.concat(chunks), timedOut }));
        res.on('error', () => resolve({ status: res.statusCode ?? 500, body: Buffer.concat(chunks), timedOut }));
      });
      const timer = setTimeout(() => {
        timedOut = true;
        req.destroy(new Error(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      req.on('close', () => clearTimeout(timer));
      req.on('error', (cause) => {
        if (timedOut && chunks.length) return resolve({ status: 200, body: Buffer.concat(chunks), timedOut });
        reject(new LabError('ENGINE_ERROR', `Docker Engine did not ${what}: ${cause.message}`, { cause }));
      });
      req.end(payload);
    });
  }

  async json<T>(what: string, path: string): Promise<T> {
    const res = await this.send(what, 'GET', path);
    if (res.status !== 200) throw new LabError('ENGINE_ERROR', `Docker Engine refused to ${what} (HTTP ${res.status}): ${res.body.toString('utf8').slice(0, 200)}`);
    return JSON.parse(res.body.toString('utf8')) as T;
  }

  /** Runs `cmd` in a container and returns its standard output, at most `maxBytes` of it. */
  async exec(containerId: string, cmd: readonly string[], options: { user?: string; timeoutMs: number; maxBytes: number }): Promise<ExecOutput> {
    const id = encodeURIComponent(containerId);
    const created = await this.send(`create an exec in ${containerId.slice(0, 12)}`, 'POST', `/containers/${id}/exec`, {
      Cmd: [...cmd], AttachStdout: true, AttachStderr: false, AttachStdin: false, Tty: false, ...(options.user ? { User: options.user } : {}),
    });
    if (created.status !== 201) throw new LabError('ENGINE_ERROR', `Docker Engine refused an exec in ${containerId.slice(0, 12)} (HTTP ${created.status})`);
    const execId = encodeURIComponent((JSON.parse(created.body.toString('utf8')) as { Id: string }).Id);
    const out = await this.send('run the exec', 'POST', `/exec/${execId}/start`, { Detach: false, Tty: false }, options.timeoutMs, options.maxBytes + 64 * 1024);
    return { stdout: demuxStdout(out.body).subarray(0, options.maxBytes), timedOut: out.timedOut };
  }

  /**
   * Follows the engine's event stream (`/events`, JSON lines) until it ends or `signal` aborts; resolves
   * once the engine accepted the subscription and calls `onEvent` for every event after that.
   */
  events(filters: Record<string, string[]>, onEvent: (event: Record<string, unknown>) => void, onEnd: () => void, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = request({ socketPath: this.socketPath, method: 'GET', path: `/events?filters=${encodeURIComponent(JSON.stringify(filters))}`, headers: { Host: 'docker' }, signal }, (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          return reject(new LabError('ENGINE_ERROR', `Docker Engine refused the event stream (HTTP ${res.statusCode})`));
        }
        resolve();
        let pending = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
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
        res.on('close', onEnd);
      });
      req.on('error', (cause) => {
        reject(new LabError('ENGINE_ERROR', `Docker Engine event stream failed: ${cause.message}`, { cause }));
        onEnd();
      });
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
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

/**
 * A learner's lab session: one sandbox, one shell, one browser connection at a time. States:
 * starting → ready → ended. The session owns the sandbox and removes it when it ends, whatever ends it
 * (the browser leaving, the shell exiting, the server stopping).
 */
import { randomBytes } from 'node:crypto';
import { LabError } from './errors.ts';
import type { SandboxHandle, SandboxRuntime, TerminalProcess } from './runtime/sandbox-runtime.ts';
import type { ServerControl } from '../src/lib/protocol.ts';

/** Hard limit of a session; the sessions issue adds idle timeouts and reconnects on top. */
export const SESSION_HARD_LIMIT_MS = 60 * 60_000;

export interface LabDefinition {
  id: string;
  capAdd: readonly string[];
}

/** What a session needs from the transport: it never sees a WebSocket. */
export interface SessionClient {
  output(data: Uint8Array): void;
  control(message: ServerControl): void;
  close(reason: string): void;
}

type State = 'starting' | 'ready' | 'ended';

export class Session {
  readonly id = randomBytes(18).toString('base64url');
  readonly lab: LabDefinition;
  readonly learner: string;
  readonly expiresAt: number;
  state: State = 'starting';
  private sandbox?: SandboxHandle;
  private terminal?: TerminalProcess;
  private client?: SessionClient;
  private offset = 0;
  private readonly runtime: SandboxRuntime;
  private readonly onEnd: (session: Session) => void;

  constructor(options: { lab: LabDefinition; learner: string; runtime: SandboxRuntime; onEnd: (session: Session) => void }) {
    this.lab = options.lab;
    this.learner = options.learner;
    this.runtime = options.runtime;
    this.onEnd = options.onEnd;
    this.expiresAt = Date.now() + SESSION_HARD_LIMIT_MS;
  }

  async start(client: SessionClient, image: string, size: { cols: number; rows: number }): Promise<void> {
    this.client = client;
    try {
      client.control({ type: 'progress', message: 'Starting your sandbox…' });
      this.sandbox = await this.runtime.create({ session: this.id, lab: this.lab.id, image, expiresAt: this.expiresAt, capAdd: this.lab.capAdd });
      if (this.isEnded()) return void (await this.runtime.remove(this.sandbox));
      this.terminal = await this.runtime.openTerminal(this.sandbox, size);
    } catch (error) {
      await this.end(error instanceof LabError ? error.message : 'The sandbox could not start.');
      throw error;
    }
    if (this.isEnded()) return;
    this.state = 'ready';
    this.terminal.stream.on('data', (chunk: Buffer) => {
      this.offset += chunk.length;
      this.client?.output(chunk);
    });
    void this.terminal.exitCode().then((code) => {
      this.client?.control({ type: 'exit', code, message: 'The shell ended. Start the lab again for a fresh sandbox.' });
      return this.end('shell exited');
    });
    client.control({ type: 'ready', session: this.id, lab: this.lab.id, expiresAt: this.expiresAt, offset: this.offset });
  }

  /** The state can change while `start` awaits the engine; a method keeps TypeScript from narrowing it away. */
  private isEnded(): boolean {
    return this.state === 'ended';
  }

  input(data: Uint8Array): void {
    if (this.state === 'ready') this.terminal?.stream.write(data);
  }

  resize(cols: number, rows: number): void {
    if (this.state === 'ready') void this.terminal?.resize(cols, rows).catch(() => undefined);
  }

  async end(reason: string): Promise<void> {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.terminal?.stream.destroy();
    this.client?.close(reason);
    this.client = undefined;
    this.onEnd(this);
    if (this.sandbox) await this.runtime.remove(this.sandbox);
  }
}

export class SessionManager {
  private readonly sessions = new Set<Session>();
  private readonly runtime: SandboxRuntime;

  constructor(runtime: SandboxRuntime) {
    this.runtime = runtime;
  }

  open(lab: LabDefinition, learner: string): Session {
    const session = new Session({ lab, learner, runtime: this.runtime, onEnd: (s) => this.sessions.delete(s) });
    this.sessions.add(session);
    return session;
  }

  get size(): number {
    return this.sessions.size;
  }

  async closeAll(reason: string): Promise<void> {
    await Promise.allSettled([...this.sessions].map((session) => session.end(reason)));
  }
}

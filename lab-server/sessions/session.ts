/**
 * One learner's lab session, as an explicit state machine (the clock's rules in lifecycle.ts):
 *
 *   starting ──▶ ready ◀──▶ detached ──▶ expired
 *       └──────────┴────────────┴───────────▲
 *
 * ready: at least one browser tab attached. detached: none; the sandbox lives on for a grace period so a
 * reload or a dropped network resumes the same shell. expired: idle too long, past the hard limit, grace
 * over, the shell exited or the server stopped; the sandbox is removed and the session is forgotten.
 * Output is kept in a replay buffer so a returning tab gets exactly what it missed.
 */
import type { ServerControl } from '../../src/lib/protocol.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { SandboxHandle, TerminalProcess } from '../runtime/sandbox-runtime.ts';
import { FlowControl, HIGH_WATER_BYTES } from './flow-control.ts';
import { tickAction, type ExpiryReason, type SessionState, type SessionTimeouts } from './lifecycle.ts';
import { OutputBuffer } from './output-buffer.ts';

export { DEFAULT_TIMEOUTS, type ExpiryReason, type SessionState, type SessionTimeouts } from './lifecycle.ts';

/**
 * The shell prints this invisible OSC sequence before each prompt (PROMPT_COMMAND in the shell image), so
 * lab-server knows a command finished and can check the learner's work. Terminals ignore unknown OSCs.
 */
export const PROMPT_MARKER = Buffer.from('\x1b]6973;prompt\x07');

/** A viewer whose send buffer grows past this is dropped (it can reconnect and replay) so it never stalls the typist. */
const VIEWER_DROP_BYTES = 4 * HIGH_WATER_BYTES;

export interface SessionPeer {
  output(data: Uint8Array): void;
  control(message: ServerControl): void;
  close(reason: string): void;
  /** Bytes queued for this peer and not yet sent. */
  backlog(): number;
}

export interface SessionLab {
  id: string;
}

const EXPIRY_TEXT: Record<ExpiryReason, string> = {
  idle: 'Your lab stopped after a long time without input. Restart it for a fresh sandbox.',
  limit: 'Your lab reached its time limit and was removed. Restart it for a fresh sandbox.',
  ended: 'This lab session was ended.',
  shell: 'The shell ended, so the sandbox was removed. Restart the lab for a fresh one.',
  server: 'The lab-server is restarting. Reload the page in a moment and start the lab again.',
  detached: 'Your lab was removed after its page was closed.',
};

export class Session {
  readonly id: string;
  readonly lab: SessionLab;
  readonly learner: string;
  readonly ip: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  state: SessionState = 'starting';
  lastInputAt: number;
  detachedAt?: number;
  expiryReason?: ExpiryReason;
  private readonly timeouts: SessionTimeouts;
  private readonly buffer = new OutputBuffer();
  private readonly peers: SessionPeer[] = [];
  /** Read-only watchers (an instructor shadowing): they get output, never type, never count as tabs. */
  private readonly watchers = new Set<SessionPeer>();
  private readonly promptListeners = new Set<() => void>();
  private markerTail = Buffer.alloc(0);
  private warned = false;
  private sandbox?: SandboxHandle;
  private terminal?: TerminalProcess;
  private flow?: FlowControl;
  private readonly onExpire: (session: Session, sandbox: SandboxHandle | undefined) => void;
  private readonly metrics?: Pick<Metrics, 'flowPaused' | 'peerDropped'>;
  /** A notice every tab gets, also one that attaches later (the server's drain), made when it is sent. */
  private standing?: () => ServerControl;

  constructor(options: {
    id: string; lab: SessionLab; learner: string; ip: string; timeouts: SessionTimeouts; now: number;
    onExpire: (session: Session, sandbox: SandboxHandle | undefined) => void;
    metrics?: Pick<Metrics, 'flowPaused' | 'peerDropped'>;
  }) {
    this.id = options.id;
    this.lab = options.lab;
    this.learner = options.learner;
    this.ip = options.ip;
    this.timeouts = options.timeouts;
    this.createdAt = options.now;
    this.lastInputAt = options.now;
    this.expiresAt = options.now + options.timeouts.hardMs;
    this.onExpire = options.onExpire;
    this.metrics = options.metrics;
  }

  get typist(): SessionPeer | undefined {
    return this.peers[this.peers.length - 1];
  }

  get peerCount(): number {
    return this.peers.length;
  }

  /** True while output is held back because the typist's connection is slow. */
  get outputPaused(): boolean {
    return this.flow?.isPaused ?? false;
  }

  get sandboxHandle(): SandboxHandle | undefined {
    return this.sandbox;
  }

  /** Connects the shell; from here on output is buffered and fanned out to every attached tab. */
  run(sandbox: SandboxHandle, terminal: TerminalProcess, now = Date.now()): void {
    this.sandbox = sandbox;
    this.terminal = terminal;
    if (this.state === 'expired') return;
    this.flow = new FlowControl(terminal.stream, () => this.typist?.backlog() ?? 0, this.metrics && (() => this.metrics?.flowPaused()));
    terminal.stream.on('data', (chunk: Buffer) => this.broadcast(chunk));
    void terminal.exitCode().then(() => this.expire('shell'), () => this.expire('shell'));
    this.state = this.peers.length ? 'ready' : 'detached';
    this.detachedAt = this.peers.length ? undefined : now;
    for (const peer of this.peers) this.greet(peer, 0);
  }

  /** Adds a tab; it becomes the typist. `offset` is what the tab already has (0 for a fresh page). */
  attach(peer: SessionPeer, offset = 0): void {
    if (this.state === 'expired') {
      peer.control({ type: 'expired', reason: this.expiryReason === 'detached' ? 'ended' : (this.expiryReason ?? 'ended') as 'ended', message: EXPIRY_TEXT[this.expiryReason ?? 'ended'] });
      return;
    }
    const previous = this.typist;
    this.peers.push(peer);
    previous?.control({ type: 'role', role: 'viewer' });
    if (this.state === 'starting') return;
    this.state = 'ready';
    this.detachedAt = undefined;
    this.greet(peer, offset);
  }

  private greet(peer: SessionPeer, offset: number): void {
    const { data, lost } = this.buffer.since(offset);
    const from = this.buffer.end - data.length;
    peer.control({
      type: 'ready', session: this.id, lab: this.lab.id, expiresAt: this.expiresAt, idleTimeoutMs: this.timeouts.idleMs,
      offset: from, role: peer === this.typist ? 'typist' : 'viewer', lost,
    });
    if (data.length) peer.output(data);
    if (this.standing) peer.control(this.standing());
  }

  /** Tells every tab now, and every tab that attaches from now on, the notice `make` writes at the time. */
  announce(make: () => ServerControl): void {
    this.standing = make;
    this.notify(make());
  }

  detach(peer: SessionPeer, now = Date.now()): void {
    const index = this.peers.indexOf(peer);
    if (index < 0) return;
    const wasTypist = peer === this.typist;
    this.peers.splice(index, 1);
    if (wasTypist) this.typist?.control({ type: 'role', role: 'typist' });
    this.flow?.release();
    if (this.peers.length === 0 && this.state === 'ready') {
      this.state = 'detached';
      this.detachedAt = now;
    }
  }

  takeover(peer: SessionPeer): void {
    const index = this.peers.indexOf(peer);
    if (index < 0 || peer === this.typist) return;
    this.typist?.control({ type: 'role', role: 'viewer' });
    this.peers.splice(index, 1);
    this.peers.push(peer);
    peer.control({ type: 'role', role: 'typist' });
  }

  input(peer: SessionPeer, data: Uint8Array, now = Date.now()): boolean {
    if (this.state !== 'ready' || peer !== this.typist) return false;
    this.lastInputAt = now;
    this.terminal?.stream.write(data);
    return true;
  }

  resize(peer: SessionPeer, cols: number, rows: number): void {
    if (this.state === 'ready' && peer === this.typist) void this.terminal?.resize(cols, rows).catch(() => undefined);
  }

  /** Called each time the shell is back at its prompt. */
  onPrompt(listener: () => void): () => void {
    this.promptListeners.add(listener);
    return () => this.promptListeners.delete(listener);
  }

  /** Sends a control message to every tab of the learner (check results, broadcasts). */
  notify(message: ServerControl): void {
    for (const peer of this.peers) peer.control(message);
  }

  /** Adds a read-only watcher; the learner's tabs are told they are watched. */
  watch(peer: SessionPeer, by: string): () => void {
    if (this.state === 'expired') {
      peer.control({ type: 'expired', reason: 'ended', message: EXPIRY_TEXT.ended });
      return () => undefined;
    }
    this.watchers.add(peer);
    const { data } = this.buffer.since(0);
    peer.control({
      type: 'ready', session: this.id, lab: this.lab.id, expiresAt: this.expiresAt, idleTimeoutMs: this.timeouts.idleMs,
      offset: this.buffer.end - data.length, role: 'viewer', lost: 0,
    });
    if (data.length) peer.output(data);
    this.notify({ type: 'watched', watchers: this.watchers.size, by });
    return () => {
      if (!this.watchers.delete(peer)) return;
      this.notify({ type: 'watched', watchers: this.watchers.size, by });
    };
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  /**
   * Finds the marker without copying the chunk: only the seam (the previous chunk's last bytes and this
   * chunk's first ones) is joined, since output floods arrive as thousands of 4 KiB chunks.
   */
  private detectPrompt(chunk: Buffer): void {
    const keep = PROMPT_MARKER.length - 1;
    const seam = this.markerTail.length ? Buffer.concat([this.markerTail, chunk.subarray(0, keep)]) : undefined;
    if (seam?.includes(PROMPT_MARKER) || chunk.includes(PROMPT_MARKER)) for (const listener of this.promptListeners) listener();
    this.markerTail = chunk.length >= keep
      ? Buffer.from(chunk.subarray(chunk.length - keep))
      : Buffer.from(Buffer.concat([this.markerTail, chunk]).subarray(-keep));
  }

  private broadcast(chunk: Buffer): void {
    this.buffer.append(chunk);
    this.detectPrompt(chunk);
    for (const watcher of this.watchers) {
      if (watcher.backlog() > VIEWER_DROP_BYTES) {
        watcher.close('The shadow view fell behind; open it again to catch up.');
        this.watchers.delete(watcher);
        this.metrics?.peerDropped('watcher');
      } else {
        watcher.output(chunk);
      }
    }
    for (const peer of [...this.peers]) {
      if (peer !== this.typist && peer.backlog() > VIEWER_DROP_BYTES) {
        peer.close('This tab fell behind; reload it to catch up.');
        this.detach(peer);
        this.metrics?.peerDropped('tab');
        continue;
      }
      peer.output(chunk);
    }
    this.flow?.afterWrite();
  }

  /** Called by the manager's clock; expires the session when one of its deadlines passed. */
  tick(now: number): void {
    const { state, expiresAt, lastInputAt, detachedAt, warned } = this;
    const action = tickAction({ state, expiresAt, lastInputAt, detachedAt, warned }, now, this.timeouts);
    if (action.kind === 'expire') return this.expire(action.reason);
    if (action.kind === 'warn') {
      this.warned = true;
      for (const peer of this.peers) peer.control({ type: 'expiring', expiresAt: action.expiresAt });
    }
  }

  expire(reason: ExpiryReason): void {
    if (this.state === 'expired') return;
    this.state = 'expired';
    this.expiryReason = reason;
    this.flow?.release();
    this.terminal?.stream.destroy();
    for (const peer of [...this.peers.splice(0), ...this.watchers]) {
      peer.control({ type: 'expired', reason: reason === 'detached' ? 'ended' : reason, message: EXPIRY_TEXT[reason] });
      peer.close(reason);
    }
    this.watchers.clear();
    this.promptListeners.clear();
    this.onExpire(this, this.sandbox);
  }
}

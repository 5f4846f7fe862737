/**
 * lab-server's end of a session's tunnel (relay.ts is the other): channels multiplexed over the stdin
 * and stdout of one process in the sandbox. A channel is a Duplex, so the gate's HTTP server takes one
 * like a socket and the preview proxy pipes one like a TCP connection.
 */
import { Duplex } from 'node:stream';
import { CHUNK_BYTES, encodeFrame, FRAME, FrameReader, MAX_CHANNELS, WINDOW_BYTES, type Frame } from './frames.ts';

/** The process the relay runs as: SandboxProcess from the runtime has this shape. */
export interface RelayProcess {
  stdin: NodeJS.WritableStream;
  stdout: NodeJS.ReadableStream;
  stderr: NodeJS.ReadableStream;
  ended: Promise<void>;
  close(): void;
}

const STDERR_KEPT_BYTES = 2048;
const CONNECT_TIMEOUT_MS = 3_000;

export class TunnelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TunnelError';
  }
}

/** One channel: what a client in the sandbox sends arrives on its readable side, and the reverse. */
export class TunnelChannel extends Duplex {
  readonly id: number;
  private readonly tunnel: Tunnel;
  /** Bytes delivered to the reader but not yet acknowledged to the relay. */
  private unacknowledged = 0;
  /** Bytes written to the relay it has not acknowledged. */
  private inFlight = 0;
  private waiting: (() => void) | undefined;
  private closedByPeer = false;
  private idle: { ms: number; timer: NodeJS.Timeout | undefined } = { ms: 0, timer: undefined };

  constructor(tunnel: Tunnel, id: number) {
    super({ allowHalfOpen: true, readableHighWaterMark: CHUNK_BYTES, writableHighWaterMark: CHUNK_BYTES });
    this.tunnel = tunnel;
    this.id = id;
  }

  // The few net.Socket methods Node's HTTP server and the proxies call on a connection.
  setTimeout(ms: number, callback?: () => void): this {
    if (callback) this.once('timeout', callback);
    this.idle.ms = ms;
    this.touch();
    return this;
  }

  setNoDelay(): this { return this; }
  setKeepAlive(): this { return this; }

  private touch(): void {
    if (this.idle.timer) clearTimeout(this.idle.timer);
    this.idle.timer = this.idle.ms > 0 && !this.destroyed ? setTimeout(() => this.emit('timeout'), this.idle.ms).unref() : undefined;
  }

  /** @internal DATA from the relay. */
  deliver(payload: Buffer): void {
    if (this.destroyed || this.readableEnded) return;
    this.touch();
    // A copy: the payload is a view into the reader's buffer.
    const accepted = this.push(Buffer.from(payload));
    this.unacknowledged += payload.length;
    if (accepted) this.acknowledge();
  }

  private acknowledge(): void {
    if (this.unacknowledged === 0 || this.closedByPeer) return;
    const window = Buffer.allocUnsafe(4);
    window.writeUInt32BE(this.unacknowledged, 0);
    this.unacknowledged = 0;
    this.tunnel.send(FRAME.WINDOW, this.id, window);
  }

  /** @internal WINDOW from the relay. */
  acknowledged(bytes: number): void {
    this.inFlight = Math.max(0, this.inFlight - bytes);
    this.release();
  }

  /** @internal The tunnel's stdin drained: a held write may go on. */
  release(): void {
    if (!this.waiting || this.inFlight >= WINDOW_BYTES || this.tunnel.congested) return;
    const next = this.waiting;
    this.waiting = undefined;
    next();
  }

  /** @internal EOF from the relay. */
  peerEnded(): void {
    if (!this.readableEnded) this.push(null);
  }

  /** Why the relay closed the channel before both sides finished (a failed write, a reset), if it did. */
  closeReason: string | undefined;

  /**
   * @internal CLOSE from the relay: a failure, or both sides finished. A failure ends the channel like a
   * reset connection ('close' without 'end'), never with an 'error' event: a channel whose holder has no
   * error listener must not take lab-server down with it.
   */
  peerClosed(reason: string): void {
    this.closedByPeer = true;
    if (reason) this.closeReason = reason;
    if (!this.writableFinished || !this.readableEnded) this.destroy();
  }

  override _read(): void {
    this.acknowledge();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.closedByPeer) {
      this.destroy();
      return callback();
    }
    this.touch();
    for (let offset = 0; offset < chunk.length; offset += CHUNK_BYTES) {
      const part = chunk.subarray(offset, offset + CHUNK_BYTES);
      this.inFlight += part.length;
      this.tunnel.send(FRAME.DATA, this.id, part);
    }
    this.waiting = () => callback();
    this.release();
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (!this.closedByPeer) this.tunnel.send(FRAME.EOF, this.id);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.idle.timer) clearTimeout(this.idle.timer);
    // Both sides sent EOF: the relay closes the channel itself once it has written everything to its
    // client. A CLOSE now would make it drop what it still holds; only an abort (an error, or a destroy
    // before both ends finished) sends one.
    const graceful = this.writableFinished && this.readableEnded && !error;
    if (!this.closedByPeer && !graceful) this.tunnel.send(FRAME.CLOSE, this.id);
    this.closedByPeer = true;
    this.tunnel.forget(this.id);
    const held = this.waiting;
    this.waiting = undefined;
    held?.();
    callback(error);
  }
}

/** A tunnel over one relay process. Use `openTunnel`, which waits until the relay is ready. */
export class Tunnel {
  private readonly process: RelayProcess;
  private readonly channels = new Map<number, TunnelChannel>();
  private readonly connecting = new Map<number, (result: TunnelChannel | string) => void>();
  private readonly reader = new FrameReader();
  private nextId = 2;
  private stderr = '';
  private onConnection: (channel: TunnelChannel) => void = (channel) => channel.destroy();
  private closed = false;
  congested = false;
  /** Resolves when the relay process ended (or close() was called). */
  readonly ended: Promise<void>;
  private readyWith: { resolve: () => void; reject: (error: Error) => void } | undefined;
  readonly ready: Promise<void>;

  constructor(process: RelayProcess) {
    this.process = process;
    this.ready = new Promise<void>((resolve, reject) => { this.readyWith = { resolve, reject }; });
    this.ready.catch(() => undefined);
    process.stdout.on('data', (chunk: Buffer) => this.receive(chunk));
    process.stderr.on('data', (chunk: Buffer) => { this.stderr = (this.stderr + chunk.toString('utf8')).slice(-STDERR_KEPT_BYTES); });
    process.stdin.on('drain', () => {
      this.congested = false;
      for (const channel of this.channels.values()) channel.release();
    });
    this.ended = process.ended.then(() => this.teardown(this.closed ? 'the tunnel was closed' : this.lastWords()));
  }

  /** What the relay printed before it stopped, for an error a person can act on. */
  private lastWords(): string {
    const text = this.stderr.trim().split('\n').pop() ?? '';
    return text ? `the relay in the sandbox stopped: ${text}` : 'the relay in the sandbox stopped';
  }

  /** Each client that connects to the relay's socket, as a channel. */
  accept(handler: (channel: TunnelChannel) => void): void {
    this.onConnection = handler;
  }

  get openChannels(): number {
    return this.channels.size;
  }

  /** @internal */
  send(type: number, channel: number, payload?: Buffer | string): void {
    if (this.closed) return;
    if (!this.process.stdin.write(encodeFrame(type, channel, payload))) this.congested = true;
  }

  /** @internal */
  forget(id: number): void {
    this.channels.delete(id);
  }

  /**
   * A TCP connection from inside the sandbox to `address:port` (an IP literal lab-server chose), or the
   * reason it failed (refused, unreachable, timed out).
   */
  connect(address: string, port: number, timeoutMs = CONNECT_TIMEOUT_MS): Promise<TunnelChannel | string> {
    if (this.closed) return Promise.resolve('the tunnel is closed');
    if (this.channels.size >= MAX_CHANNELS) return Promise.resolve(`more than ${MAX_CHANNELS} connections are open`);
    const id = this.nextId;
    this.nextId += 2;
    const channel = new TunnelChannel(this, id);
    this.channels.set(id, channel);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.connecting.delete(id);
        channel.destroy();
        resolve('timed out');
      }, timeoutMs);
      this.connecting.set(id, (result) => {
        clearTimeout(timer);
        this.connecting.delete(id);
        resolve(result);
      });
      this.send(FRAME.CONNECT, id, `${address} ${port}`);
    });
  }

  /** Ends the relay (its stdin closes) and every channel. */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.process.close();
    }
    return this.ended;
  }

  private receive(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.reader.push(chunk);
    } catch (error) {
      this.stderr += `\n${(error as Error).message}`;
      this.process.close();
      return;
    }
    for (const frame of frames) this.handle(frame);
  }

  private handle({ type, channel: id, payload }: Frame): void {
    const channel = this.channels.get(id);
    switch (type) {
      case FRAME.READY:
        this.readyWith?.resolve();
        return;
      case FRAME.OPEN: {
        if (channel || id % 2 === 0) return;
        const opened = new TunnelChannel(this, id);
        if (this.channels.size >= MAX_CHANNELS) {
          opened.destroy();
          return;
        }
        this.channels.set(id, opened);
        this.onConnection(opened);
        return;
      }
      case FRAME.DATA:
        channel?.deliver(payload);
        return;
      case FRAME.EOF:
        channel?.peerEnded();
        return;
      case FRAME.CLOSE: {
        const pending = this.connecting.get(id);
        if (pending) {
          // Nobody holds the channel yet: it ends without an error event.
          channel?.peerClosed('');
          pending(payload.toString('utf8') || 'closed');
          return;
        }
        channel?.peerClosed(payload.toString('utf8'));
        return;
      }
      case FRAME.CONNECTED:
        if (channel) this.connecting.get(id)?.(channel);
        return;
      case FRAME.WINDOW:
        if (payload.length === 4) channel?.acknowledged(payload.readUInt32BE(0));
        return;
      default:
        this.stderr += `\nthe relay sent a frame of unknown type ${type}`;
        this.process.close();
    }
  }

  private teardown(reason: string): void {
    this.closed = true;
    this.readyWith?.reject(new TunnelError(reason));
    for (const [id, pending] of [...this.connecting]) {
      this.channels.get(id)?.peerClosed('');
      pending(reason);
    }
    this.connecting.clear();
    for (const channel of [...this.channels.values()]) channel.peerClosed(reason);
    this.channels.clear();
  }
}

/** Starts a tunnel over a relay process and waits until the relay listens. */
export async function openTunnel(process: RelayProcess, timeoutMs: number): Promise<Tunnel> {
  const tunnel = new Tunnel(process);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TunnelError(`the relay in the sandbox did not start within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    await Promise.race([tunnel.ready, timeout]);
    return tunnel;
  } catch (error) {
    await tunnel.close();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

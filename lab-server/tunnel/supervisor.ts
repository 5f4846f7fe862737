/**
 * A session's tunnel for as long as the session lives. The relay runs as the learner, so the learner can
 * kill it (`ps` shows it as bulkhead-gate); the supervisor then starts a new one, and their next `docker`
 * works again. Starting it is one exec, about as costly as a check agent's.
 */
import type { SandboxHandle, SandboxRuntime } from '../runtime/sandbox-runtime.ts';
import { RELAY_NAME, relayCommand } from './relay.ts';
import { openTunnel, TunnelError, type RelayProcess, type Tunnel, type TunnelChannel } from './tunnel.ts';

/** The relay's socket in the sandbox: the shell image links /var/run/docker.sock here. */
export const GATE_SOCKET_DIR = '/run/docker-gate';
export const GATE_SOCKET = `${GATE_SOCKET_DIR}/docker.sock`;
/** Time for the exec and Perl's start; generous, since a loaded engine starts execs slowly. */
const READY_TIMEOUT_MS = 15_000;
const RESTART_DELAYS_MS = [250, 1_000, 5_000];
/** Failed starts in a row after which the supervisor stops trying (the sandbox is gone, or broken). */
const MAX_FAILED_RESTARTS = 6;

export interface SupervisorLog {
  warn(message: string, fields?: Record<string, unknown>): void;
}

const QUIET: SupervisorLog = { warn: () => undefined };

/**
 * A session's tunnel into its sandbox, its relay run as the learner by the runtime. With `socketPath`
 * (GATE_SOCKET for Docker labs), the relay listens there for the learner's clients; without, it only
 * connects out (the preview of a lab without Docker).
 */
export function sandboxTunnel(runtime: SandboxRuntime, sandbox: SandboxHandle, options: { socketPath?: string; log?: SupervisorLog } = {}): SessionTunnel {
  return new SessionTunnel({
    spawn: (command) => runtime.spawn(sandbox, command), session: sandbox.session, log: options.log ?? QUIET,
    ...(options.socketPath ? { socketPath: options.socketPath } : {}),
  });
}

export class SessionTunnel {
  private readonly spawn: (command: readonly string[]) => Promise<RelayProcess>;
  private readonly socketPath: string | undefined;
  private readonly log: SupervisorLog;
  private readonly session: string;
  private tunnel: Tunnel | undefined;
  private starting: Promise<Tunnel> | undefined;
  private handler: (channel: TunnelChannel) => void = (channel) => channel.destroy();
  private closed = false;
  private restarts = 0;

  constructor(options: {
    /** Runs a command in the sandbox as the learner with stdin, stdout and stderr apart (runtime.spawn). */
    spawn: (command: readonly string[]) => Promise<RelayProcess>;
    /** Where the relay listens for the learner's clients; none for a tunnel that only connects out. */
    socketPath?: string;
    session: string;
    log: SupervisorLog;
  }) {
    this.spawn = options.spawn;
    this.socketPath = options.socketPath;
    this.session = options.session;
    this.log = options.log;
  }

  /** Each client of the relay's socket, from every relay this supervisor starts. */
  accept(handler: (channel: TunnelChannel) => void): void {
    this.handler = handler;
    this.tunnel?.accept(handler);
  }

  /** Starts the relay and resolves once its socket accepts connections. */
  async start(): Promise<void> {
    await this.current();
  }

  private current(): Promise<Tunnel> {
    if (this.tunnel) return Promise.resolve(this.tunnel);
    if (this.closed) return Promise.reject(new TunnelError('the session ended'));
    this.starting ??= (async () => {
      try {
        const tunnel = await openTunnel(await this.spawn(relayCommand(this.socketPath)), READY_TIMEOUT_MS);
        tunnel.accept(this.handler);
        this.tunnel = tunnel;
        void tunnel.ended.then(() => this.lost(tunnel));
        return tunnel;
      } finally {
        this.starting = undefined;
      }
    })();
    return this.starting;
  }

  private lost(tunnel: Tunnel): void {
    if (this.tunnel !== tunnel) return;
    this.tunnel = undefined;
    this.log.warn(`tunnel: ${RELAY_NAME} stopped in the sandbox; starting it again`, { session: this.session });
    this.restart();
  }

  /** Tries again with a growing delay until a relay runs or the session ends. */
  private restart(): void {
    if (this.closed) return;
    const delay = RESTART_DELAYS_MS[Math.min(this.restarts, RESTART_DELAYS_MS.length - 1)]!;
    this.restarts += 1;
    setTimeout(() => {
      if (this.closed || this.tunnel) return;
      this.current().then(() => { this.restarts = 0; }, (error: Error) => {
        if (this.closed) return;
        if (this.restarts >= MAX_FAILED_RESTARTS) {
          this.log.warn(`tunnel: gave up starting ${RELAY_NAME} after ${this.restarts} tries: ${error.message}`, { session: this.session });
          return;
        }
        this.log.warn(`tunnel: could not start ${RELAY_NAME} again: ${error.message}`, { session: this.session });
        this.restart();
      });
    }, delay).unref();
  }

  /** A TCP connection from inside the sandbox, or the reason there is none. */
  async connect(address: string, port: number): Promise<TunnelChannel | string> {
    let tunnel: Tunnel;
    try {
      tunnel = await this.current();
    } catch (error) {
      return (error as Error).message;
    }
    return tunnel.connect(address, port);
  }

  async close(): Promise<void> {
    this.closed = true;
    const tunnel = this.tunnel ?? (await this.starting?.catch(() => undefined));
    this.tunnel = undefined;
    await tunnel?.close();
  }
}

/**
 * The per-session Docker API gate. The lead's runtime creates the session network, then starts a gate
 * whose socket the sandbox mounts at /run/docker-gate/docker.sock; the learner's docker CLI and Compose
 * talk to it as to an engine. See docs/gate.md for what is allowed and refused, and why.
 */
import { chmod, chown, mkdir, rm, stat } from 'node:fs/promises';
import type { Server, Socket } from 'node:net';
import { join } from 'node:path';
import type { Engine } from '../engine/client.ts';
import { EngineError, LabError } from '../errors.ts';
import { removeSessionObjects, type RemovedObjects } from './cleanup.ts';
import { serializer, SILENT_LOG, type GateLog, type SessionContext } from './context.ts';
import { sessionIdentity } from './naming.ts';
import { buildGatePolicy, type GatePolicy } from './policy.ts';
import type { GateObserver } from './refusal.ts';
import { compareVersions, MIN_API_VERSION } from './request.ts';
import { createGateServer } from './server.ts';

export { removeSessionObjects, type RemovedObjects } from './cleanup.ts';
export { buildGatePolicy, DEFAULT_POLICY, DOCKER_DEFAULT_CAPS, type GatePolicy } from './policy.ts';
export type { GateLog } from './context.ts';
export type { GateObserver, GateOutcome } from './refusal.ts';

/** The learner in the sandbox (uid 1000) must be able to connect; nobody else sees the directory. */
const SOCKET_NAME = 'docker.sock';
const LEARNER_UID = 1000;
const SOCKET_DIR_MODE = 0o755;

export interface DockerGateOptions {
  /** The one engine client (lab-server/engine); its negotiated API version is the gate's too. */
  engine: Engine;
  instance: string;
  session: string;
  /** The session's hard expiry (epoch ms): every object the learner makes carries it. */
  expiresAt: number;
  /** The lab (lesson slug), labelled on the learner's objects where known. */
  lab?: string;
  /** Host directory the gate creates its socket in; bind-mounted into the sandbox at /run/docker-gate. */
  socketDir: string;
  /** Engine name of the session's internal network (created by the runtime before the gate starts). */
  network: string;
  /** A policy from buildGatePolicy (lab-gate.ts) or, in tests, the fields that differ from the defaults. */
  policy?: Partial<GatePolicy>;
  log?: GateLog;
  /** Hears each request's outcome (the operator's metrics). */
  observe?: GateObserver;
}

export class DockerGate {
  readonly socketPath: string;
  private readonly options: DockerGateOptions;
  private readonly policy: GatePolicy;
  private readonly log: GateLog;
  private server: Server | undefined;
  private context: SessionContext | undefined;
  private readonly connections = new Set<Socket>();

  constructor(options: DockerGateOptions) {
    this.options = options;
    this.policy = buildGatePolicy({ allowRoot: options.policy?.allowRoot }, options.policy);
    this.log = options.log ?? SILENT_LOG;
    this.socketPath = join(options.socketDir, SOCKET_NAME);
  }

  async start(): Promise<void> {
    const { engine, instance, session, socketDir, network, expiresAt, lab } = this.options;
    let engineVersion: string;
    try {
      engineVersion = await engine.apiVersion();
    } catch (cause) {
      throw new EngineError(`The Docker gate cannot reach the engine at ${engine.where}: ${(cause as Error).message}`, { code: 'GATE_ENGINE', cause });
    }
    if (compareVersions(engineVersion, MIN_API_VERSION) < 0) throw new EngineError(`The Docker Engine speaks API ${engineVersion}; the gate needs ${MIN_API_VERSION} or newer (Engine 19.03+).`, { code: 'GATE_ENGINE' });
    const net = await engine.call({ method: 'GET', path: `/networks/${encodeURIComponent(network)}` });
    if (net.status !== 200) throw new LabError('GATE_NETWORK', `The session network ${network} does not exist; create it before starting the gate.`);
    this.context = {
      id: sessionIdentity(instance, session, network, { expiresAt, lab }), policy: this.policy, engine, execs: new Map(), buildImages: new Set(),
      engineVersion, serialize: serializer(), log: this.log, ...(this.options.observe ? { observe: this.options.observe } : {}),
    };
    await mkdir(socketDir, { recursive: true, mode: SOCKET_DIR_MODE });
    // The sandbox's uid 1000 must traverse the directory; its parent on the host is what keeps others out.
    await chmod(socketDir, SOCKET_DIR_MODE);
    await rm(this.socketPath, { force: true });
    const server = createGateServer(this.context);
    server.on('connection', (socket: Socket) => {
      this.connections.add(socket);
      socket.once('close', () => this.connections.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.socketPath, () => { server.off('error', reject); resolve(); });
    });
    this.server = server;
    try {
      await chown(this.socketPath, LEARNER_UID, LEARNER_UID);
      await chmod(this.socketPath, 0o600);
    } catch {
      // Not root: the directory (mounted into this sandbox only) is the boundary.
      await chmod(this.socketPath, 0o666);
      this.log.warn('gate: could not chown the socket to the learner; it is 0666 inside its directory', { session });
    }
    await stat(this.socketPath);
    this.log.info('gate: listening', { session, socket: this.socketPath, engineVersion });
  }

  /** Stops serving, closes open streams, and removes every object the session made. */
  async close(): Promise<RemovedObjects> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of this.connections) socket.destroy();
      await closed;
    }
    await rm(this.socketPath, { force: true });
    const removed = await removeSessionObjects(this.options.engine, this.options.instance, this.options.session, this.context?.buildImages ?? []);
    this.log.info('gate: closed', { session: this.options.session, ...removed });
    return removed;
  }
}

/**
 * The per-session Docker API gate. The runtime creates the session network, then a gate is started and
 * fed connections: each one a channel of the session's tunnel (lab-server/tunnel), whose relay in the
 * sandbox listens at /run/docker-gate/docker.sock. The learner's docker CLI and Compose talk to it as to
 * an engine. Nothing of the gate is a file on lab-server's host, so the engine need not share a folder
 * with lab-server. See docs/gate.md for what is allowed and refused, and why.
 */
import type { Server, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
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

/** Connections served at once; more wait until one closes. */
const MAX_CONNECTIONS = 64;

export interface DockerGateOptions {
  /** The one engine client (lab-server/engine); its negotiated API version is the gate's too. */
  engine: Engine;
  instance: string;
  session: string;
  /** The session's hard expiry (epoch ms): every object the learner makes carries it. */
  expiresAt: number;
  /** The lab (lesson slug), labelled on the learner's objects where known. */
  lab?: string;
  /** Engine name of the session's internal network (created by the runtime before the gate starts). */
  network: string;
  /** A policy from buildGatePolicy (lab-gate.ts) or, in tests, the fields that differ from the defaults. */
  policy?: Partial<GatePolicy>;
  log?: GateLog;
  /** Hears each request's outcome (the operator's metrics). */
  observe?: GateObserver;
}

export class DockerGate {
  private readonly options: DockerGateOptions;
  private readonly policy: GatePolicy;
  private readonly log: GateLog;
  private server: Server | undefined;
  private context: SessionContext | undefined;
  private readonly connections = new Set<Duplex>();

  constructor(options: DockerGateOptions) {
    this.options = options;
    this.policy = buildGatePolicy({ allowRoot: options.policy?.allowRoot }, options.policy);
    this.log = options.log ?? SILENT_LOG;
  }

  async start(): Promise<void> {
    const { engine, instance, session, network, expiresAt, lab } = this.options;
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
    this.server = createGateServer(this.context);
    this.log.info('gate: ready', { session, engineVersion });
  }

  /** Serves one connection (a tunnel channel, or any stream in tests) as the session's engine. */
  accept(connection: Duplex): void {
    if (!this.server || this.connections.size >= MAX_CONNECTIONS) {
      connection.destroy();
      return;
    }
    this.connections.add(connection);
    connection.once('close', () => this.connections.delete(connection));
    // Node's HTTP server serves any duplex stream it is handed as a connection.
    this.server.emit('connection', connection as Socket);
  }

  /** Stops serving, closes open streams, and removes every object the session made. */
  async close(): Promise<RemovedObjects> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      for (const connection of this.connections) connection.destroy();
      this.connections.clear();
      server.close();
    }
    const removed = await removeSessionObjects(this.options.engine, this.options.instance, this.options.session, this.context?.buildImages ?? []);
    this.log.info('gate: closed', { session: this.options.session, ...removed });
    return removed;
  }
}

/**
 * How a lab's Docker gate is started and reached: the policy built from the lab definition, and the
 * session's tunnel whose relay in the sandbox listens at /run/docker-gate/docker.sock and hands each
 * client to the gate. One place, used by sessions, verify-labs and npm run sandbox.
 *
 * The gate and the sandbox share no folder and no route: the tunnel runs over a `docker exec` stream, so
 * it works wherever lab-server reaches the engine's API (a local socket, Docker Desktop, tcp://, ssh://,
 * lab-server in a container). docs/decisions/0006-gate-over-exec-tunnel.md says why.
 */
import type { Lesson } from '../src/lib/lesson-schema.ts';
import { gatePolicyOverrides, type Config } from './config.ts';
import type { Engine } from './engine/client.ts';
import { engineFromConfig } from './engine/from-config.ts';
import { buildGatePolicy, DockerGate, removeSessionObjects, type GateLog, type GateObserver, type GatePolicy, type RemovedObjects } from './gate/index.ts';
import type { SandboxHandle, SandboxRuntime } from './runtime/sandbox-runtime.ts';
import { GATE_SOCKET, sandboxTunnel, type SessionTunnel } from './tunnel/supervisor.ts';

export interface LabGate {
  gate: DockerGate;
  tunnel: SessionTunnel;
  /** Ends the tunnel, then removes every object the session made through the gate. */
  close(): Promise<RemovedObjects>;
}

/**
 * Starts the session's gate, then its tunnel; resolves once the relay's socket accepts connections, so
 * the learner's first `docker` (before or after the shell's prompt) reaches the gate.
 */
export async function startGate(options: {
  config: Config; instance: string; session: string; network: string; lab: NonNullable<Lesson['lab']>;
  runtime: SandboxRuntime; sandbox: SandboxHandle;
  /** The sandbox's tunnel when it was started with the sandbox (the warm pool's); else one is started here. */
  tunnel?: SessionTunnel;
  /** The session's hard expiry (epoch ms), labelled on everything the learner makes through the gate. */
  expiresAt: number;
  /** The lesson slug, labelled likewise. */
  labId?: string;
  /** The engine client; by default the one shared for the config's DOCKER_HOST. */
  engine?: Engine;
  log?: GateLog;
  /** Tests: the fields that differ from the defaults, instead of the lab's and the config's. */
  policy?: Partial<GatePolicy>;
  observe?: GateObserver;
}): Promise<LabGate> {
  const gate = new DockerGate({
    engine: options.engine ?? engineFromConfig(options.config), instance: options.instance, session: options.session,
    expiresAt: options.expiresAt, ...(options.labId ? { lab: options.labId } : {}), network: options.network,
    policy: options.policy ?? buildGatePolicy(options.lab, gatePolicyOverrides(options.config)), log: options.log,
    ...(options.observe ? { observe: options.observe } : {}),
  });
  await gate.start();
  const tunnel = options.tunnel ?? sandboxTunnel(options.runtime, options.sandbox, { socketPath: GATE_SOCKET, ...(options.log ? { log: options.log } : {}) });
  tunnel.accept((channel) => gate.accept(channel));
  const close = async () => {
    await tunnel.close();
    return gate.close();
  };
  try {
    await tunnel.start();
  } catch (error) {
    await close();
    throw error;
  }
  return { gate, tunnel, close };
}

/** After a session: the gate's objects (images included). */
export async function removeGateLeftovers(config: Config, instance: string, session: string, engine: Engine = engineFromConfig(config)): Promise<void> {
  await removeSessionObjects(engine, instance, session);
}

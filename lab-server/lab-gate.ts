/**
 * Where a lab's Docker gate lives on the host and how it is started. One place for the socket folder
 * layout and the policy built from the lab definition, used by sessions, verify-labs and npm run sandbox.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Lesson } from '../src/lib/lesson-schema.ts';
import { gatePolicyOverrides, type Config } from './config.ts';
import type { Engine } from './engine/client.ts';
import { engineFromConfig } from './engine/from-config.ts';
import { buildGatePolicy, DockerGate, removeSessionObjects, type GateLog, type GateObserver } from './gate/index.ts';

/** Parent of every session's gate folder: root-only, so only the sandbox that mounts a folder reaches its socket. */
export function gatesRoot(config: Config): string {
  const root = join(config.DATA_DIR, 'gates');
  mkdirSync(root, { recursive: true, mode: 0o700 });
  return root;
}

export function gateDirFor(config: Config, session: string): string {
  return join(gatesRoot(config), session);
}

export async function startGate(options: {
  config: Config; instance: string; session: string; network: string; lab: NonNullable<Lesson['lab']>;
  /** The session's hard expiry (epoch ms), labelled on everything the learner makes through the gate. */
  expiresAt: number;
  /** The lesson slug, labelled likewise. */
  labId?: string;
  /** The engine client; by default the one shared for the config's DOCKER_HOST. */
  engine?: Engine;
  log?: GateLog;
  observe?: GateObserver;
}): Promise<DockerGate> {
  const gate = new DockerGate({
    engine: options.engine ?? engineFromConfig(options.config), instance: options.instance, session: options.session,
    expiresAt: options.expiresAt, ...(options.labId ? { lab: options.labId } : {}),
    socketDir: gateDirFor(options.config, options.session), network: options.network,
    policy: buildGatePolicy(options.lab, gatePolicyOverrides(options.config)), log: options.log,
    ...(options.observe ? { observe: options.observe } : {}),
  });
  await gate.start();
  return gate;
}

/** After a session: the gate's objects (images included) and its socket folder. */
export async function removeGateLeftovers(config: Config, instance: string, session: string, engine: Engine = engineFromConfig(config)): Promise<void> {
  await removeSessionObjects(engine, instance, session);
  rmSync(join(gatesRoot(config), session), { recursive: true, force: true });
}

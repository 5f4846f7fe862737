/**
 * A learner session with a Docker gate, wired as lab-server wires it: a per-session internal network,
 * a sandbox from the shell image (the runtime's own hardening) on that network, and the gate reached
 * through the session's tunnel, whose relay listens at /run/docker-gate/docker.sock in the sandbox.
 * Nothing is shared between the test's host and the engine but the engine's API (DOCKER_HOST).
 * Commands run inside the sandbox as the learner, through the real docker CLI and Compose.
 */
import { createServer, type Server } from 'node:net';
import { PassThrough } from 'node:stream';
import { startGate, type LabGate } from '../../lab-server/lab-gate.ts';
import { runtimeFromConfig } from '../../lab-server/runtime/docker-runtime.ts';
import type { DockerGate, GatePolicy } from '../../lab-server/gate/index.ts';
import { engineEnv, loadConfig } from '../../lab-server/config.ts';
import { engineFromConfig } from '../../lab-server/engine/from-config.ts';
import { LABEL_INSTANCE, objectLabels, ROLE_NETWORK } from '../../lab-server/labels.ts';
import { sandboxCreateOptions } from '../../lab-server/runtime/hardening.ts';
import { imageRefs } from '../../lab-server/images.ts';

const engineConfig = loadConfig(engineEnv());
/** The engine the tests run against: DOCKER_HOST (default unix:///var/run/docker.sock), as for lab-server. */
export const ENGINE_HOST = engineConfig.DOCKER_HOST;
/** The one engine client the gate sessions and the assertions share. */
export const engine = engineFromConfig(engineConfig);
export const GATE_MOUNT = '/run/docker-gate';
/** Gate sessions in tests live an hour at most; the number is what their objects' expiry label must say. */
const SESSION_TTL_MS = 3_600_000;
const LEARNER_ENV = [`DOCKER_HOST=unix://${GATE_MOUNT}/docker.sock`, 'DOCKER_BUILDKIT=0', 'DOCKER_CLI_HINTS=false'];
const MIB = 1024 * 1024;

export const docker = engine.docker;

export interface RunResult { exitCode: number; stdout: string; stderr: string }

export interface GateSession {
  instance: string;
  session: string;
  network: string;
  /** The session's expiry (epoch ms), as its objects' `bulkhead.expires` label says it. */
  expiresAt: number;
  gate: DockerGate;
  /** The gate with its tunnel. */
  labGate: LabGate;
  sandboxId: string;
  /** bash -c in the sandbox as uid 1000; docker talks to the gate. */
  sh(script: string, options?: { timeoutMs?: number; stdin?: string }): Promise<RunResult>;
  /** The same command with a TTY, for `-it`; input is typed after `delayMs`. */
  tty(script: string, input: string, options?: { delayMs?: number; timeoutMs?: number }): Promise<RunResult>;
  stop(): Promise<void>;
}

export async function startGateSession(instance: string, session: string, policy: Partial<GatePolicy> = {}): Promise<GateSession> {
  const network = `bulkhead-${instance}-${session}`;
  const expiresAt = Date.now() + SESSION_TTL_MS;
  const lab = 'gate-test';
  await docker.createNetwork({ Name: network, Internal: true, Labels: objectLabels({ instance, session, lab, expiresAt }, ROLE_NETWORK), CheckDuplicate: true });
  const image = (await imageRefs('shell')).hashTag;
  const options = sandboxCreateOptions({ session, lab, image, expiresAt, gate: true }, {
    memoryBytes: 512 * MIB, nanoCpus: 1_000_000_000, pidsLimit: 256, tmpfsBytes: 64 * MIB, nofile: 1024,
  }, instance);
  options.Env = [...(options.Env ?? []), ...LEARNER_ENV];
  options.HostConfig = { ...options.HostConfig, NetworkMode: network };
  const container = await docker.createContainer(options);
  await container.start();
  const runtime = runtimeFromConfig(engineConfig, { instance, engine });
  const labGate = await startGate({
    config: engineConfig, instance, session, network, lab: { image: 'shell', docker: true, network: 'session', capAdd: [], allowRoot: policy.allowRoot ?? false }, policy,
    runtime, sandbox: { id: container.id, session, lab }, expiresAt, labId: lab, engine,
  }).catch(async (error: unknown) => {
    await container.remove({ force: true }).catch(() => undefined);
    throw error;
  });
  const gate = labGate.gate;

  const run = async (script: string, tty: boolean, input: string | undefined, delayMs: number, timeoutMs: number): Promise<RunResult> => {
    const exec = await container.exec({ Cmd: ['bash', '-c', script], User: '1000:1000', AttachStdout: true, AttachStderr: true, AttachStdin: input !== undefined, Tty: tty });
    const stream = await exec.start({ hijack: true, stdin: input !== undefined, Tty: tty });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    if (tty) stream.on('data', (d: Buffer) => out.push(d));
    else {
      const o = new PassThrough();
      const e = new PassThrough();
      o.on('data', (d: Buffer) => out.push(d));
      e.on('data', (d: Buffer) => err.push(d));
      docker.modem.demuxStream(stream, o, e);
    }
    if (input !== undefined) {
      setTimeout(() => { stream.write(input); if (!tty) stream.end(); }, delayMs);
    }
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      new Promise<boolean>((resolve) => { stream.once('end', () => resolve(true)); stream.once('close', () => resolve(true)); }),
      new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), timeoutMs); }),
    ]);
    clearTimeout(timer);
    if (!done) stream.destroy();
    const info = done ? await exec.inspect() : undefined;
    return { exitCode: info?.ExitCode ?? -1, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
  };

  return {
    instance, session, network, expiresAt, gate, labGate, sandboxId: container.id,
    sh: (script, options = {}) => run(script, false, options.stdin, 0, options.timeoutMs ?? 60_000),
    tty: (script, input, options = {}) => run(script, true, input, options.delayMs ?? 1_500, options.timeoutMs ?? 60_000),
    stop: async () => {
      await labGate.tunnel.close();
      await container.remove({ force: true, v: true }).catch(() => undefined);
      await gate.close();
      await docker.getNetwork(network).remove().catch(() => undefined);
    },
  };
}

/** Every container, network and volume still labelled with the instance. */
export async function instanceLeftovers(instance: string): Promise<{ containers: number; networks: number; volumes: number }> {
  const filters = { label: [`${LABEL_INSTANCE}=${instance}`] };
  const containers = await docker.listContainers({ all: true, filters });
  const networks = await docker.listNetworks({ filters });
  const volumes = await docker.listVolumes({ filters });
  return { containers: containers.length, networks: networks.length, volumes: (volumes.Volumes ?? []).length };
}

/** Removes everything of an instance whatever state a failed test left it in. */
export async function removeInstance(instance: string): Promise<void> {
  const filters = { label: [`${LABEL_INSTANCE}=${instance}`] };
  for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true, v: true }).catch(() => undefined);
  for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove().catch(() => undefined);
  for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) await docker.getVolume(v.Name).remove({ force: true }).catch(() => undefined);
}

/**
 * A fingerprint of what an attack could change: every object of the given test instances (labelled or
 * merely carrying one of their sessions' name prefixes), the tags of the given shared images, and every
 * image tag in the sessions' namespaces. Other tests may run on the same engine, so the rest of the
 * engine is not compared.
 */
export async function engineSnapshot(instances: readonly string[], sharedImages: readonly string[], prefixes: readonly string[]): Promise<string> {
  const mine = (labels: Record<string, string> | undefined | null, name: string) =>
    instances.includes(labels?.[LABEL_INSTANCE] ?? '') || prefixes.some((p) => name.replace(/^\//, '').startsWith(p));
  const containers = (await docker.listContainers({ all: true })).filter((c) => mine(c.Labels, c.Names[0] ?? '')).map((c) => `${c.Id}:${c.State}:${c.Names.join(',')}`).sort();
  const networks = (await docker.listNetworks()).filter((n) => mine(n.Labels, n.Name)).map((n) => `${n.Id}:${n.Name}`).sort();
  const volumes = ((await docker.listVolumes()).Volumes ?? []).filter((v) => mine(v.Labels, v.Name)).map((v) => v.Name).sort();
  const images = await docker.listImages();
  const shared = sharedImages.map((ref) => `${ref}=${images.find((i) => (i.RepoTags ?? []).includes(ref))?.Id ?? 'missing'}`);
  const namespaced = images.flatMap((i) => (i.RepoTags ?? []).filter((t) => prefixes.some((p) => t.startsWith(p.replace(/-$/, '/')))).map((t) => `${t}=${i.Id}`)).sort();
  return JSON.stringify({ containers, networks, volumes, shared, namespaced });
}

/** The engine-side name prefix of a session's objects (`bh-<hash>-`). */
export { sessionIdentity } from '../../lab-server/gate/naming.ts';

/** A Unix socket on the test's own host that hands each connection to a gate: for tests that speak raw HTTP to it. */
export async function listenForGate(gate: DockerGate, socketPath: string): Promise<Server> {
  const server = createServer((socket) => gate.accept(socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return server;
}

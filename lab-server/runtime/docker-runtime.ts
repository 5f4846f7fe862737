/**
 * SandboxRuntime over the one engine client (lab-server/engine). Every engine call goes through
 * `engine.run`, which names the operation and object in the error and treats the benign answers
 * (already gone, already stopped) as success.
 */
import type Docker from 'dockerode';
import { PassThrough } from 'node:stream';
import type { Config } from '../config.ts';
import { Engine } from '../engine/client.ts';
import { engineFromConfig } from '../engine/from-config.ts';
import { LABEL_EXPIRES, LABEL_SESSION, objectLabels, ownerFilters, ROLE_NETWORK } from '../labels.ts';
import { LEARNER_HOME, LEARNER_UID, limitsFromConfig, sandboxCreateOptions, type SandboxLimits } from './hardening.ts';
import type { EngineSession, ExecOptions, ExecResult, SandboxHandle, SandboxProcess, SandboxRuntime, SandboxSpec, TerminalProcess } from './sandbox-runtime.ts';

const DEFAULT_EXEC_TIMEOUT_MS = 5_000;
/** Default output cap: beyond this a command's output is noise, and capping it keeps a runaway script from filling memory. */
const MAX_EXEC_OUTPUT_BYTES = 64 * 1024;

/**
 * The one way to build a DockerRuntime from settings: the shared engine client for DOCKER_HOST, the
 * sandbox limits, and the instance (BULKHEAD_INSTANCE unless a script names its own).
 */
export function runtimeFromConfig(config: Config, options: { instance?: string; engine?: Engine } = {}): DockerRuntime {
  return new DockerRuntime({ engine: options.engine ?? engineFromConfig(config), limits: limitsFromConfig(config), instance: options.instance ?? config.BULKHEAD_INSTANCE });
}

export class DockerRuntime implements SandboxRuntime {
  readonly engine: Engine;
  private readonly limits: SandboxLimits;
  private readonly instance: string;

  constructor(options: { engine: Engine; limits: SandboxLimits; instance: string }) {
    this.engine = options.engine;
    this.limits = options.limits;
    this.instance = options.instance;
  }

  /** The engine's dockerode instance, for tests that inspect what the runtime made. */
  get docker(): Docker {
    return this.engine.docker;
  }

  ping(): Promise<void> {
    return this.engine.ping();
  }

  async hasImage(ref: string): Promise<boolean> {
    return (await this.engine.run(`inspect image ${ref}`, (docker) => docker.getImage(ref).inspect(), [404])) !== undefined;
  }

  async create(spec: SandboxSpec): Promise<SandboxHandle> {
    const options = sandboxCreateOptions(spec, this.limits, this.instance);
    const container = await this.engine.must(`create a sandbox from ${spec.image}`, (docker) => docker.createContainer(options));
    await this.engine.run(`start sandbox ${container.id.slice(0, 12)}`, () => container.start());
    return { id: container.id, session: spec.session, lab: spec.lab };
  }

  async openTerminal(sandbox: SandboxHandle, size: { cols: number; rows: number }, command: readonly string[] = ['bash', '-l']): Promise<TerminalProcess> {
    const container = this.docker.getContainer(sandbox.id);
    const exec = await this.engine.must(`open a shell in ${sandbox.id.slice(0, 12)}`, () => container.exec({
      Cmd: [...command],
      User: `${LEARNER_UID}:${LEARNER_UID}`,
      WorkingDir: LEARNER_HOME,
      Env: ['TERM=xterm-256color', 'LANG=C.UTF-8', `COLUMNS=${size.cols}`, `LINES=${size.rows}`],
      Tty: true,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
    }));
    const stream = await this.engine.must('attach to the shell', () => exec.start({ hijack: true, stdin: true, Tty: true }));
    const ended = new Promise<void>((resolve) => { stream.once('end', resolve); stream.once('close', resolve); stream.once('error', () => resolve()); });
    const resize = async (cols: number, rows: number) => {
      // 409/404 while the exec is starting or already gone: a resize then has nothing to act on.
      await this.engine.run('resize the terminal', () => exec.resize({ h: rows, w: cols }), [404, 409, 500]);
    };
    await resize(size.cols, size.rows);
    return {
      stream,
      resize,
      exitCode: async () => {
        await ended;
        const info = await this.engine.run('read the shell exit code', () => exec.inspect(), [404]);
        return info?.ExitCode ?? null;
      },
    };
  }

  async exec(sandbox: SandboxHandle, command: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    const maxOutputBytes = options.maxOutputBytes ?? MAX_EXEC_OUTPUT_BYTES;
    const { exec, stream, stdout: out, stderr: err } = await this.startLearnerExec(sandbox, command, false);
    const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[], bytes: 0 };
    const collect = (target: Buffer[]) => (chunk: Buffer) => {
      if (chunks.bytes >= maxOutputBytes) return;
      chunks.bytes += chunk.length;
      target.push(chunk);
    };
    out.on('data', collect(chunks.stdout));
    err.on('data', collect(chunks.stderr));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      new Promise<boolean>((resolve) => { stream.once('end', () => resolve(false)); stream.once('close', () => resolve(false)); }),
      new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), timeoutMs); }),
    ]);
    clearTimeout(timer);
    if (timedOut) stream.destroy();
    const info = timedOut ? undefined : await this.engine.run('read the command exit code', () => exec.inspect(), [404]);
    return {
      exitCode: timedOut ? -1 : (info?.ExitCode ?? -1),
      stdout: Buffer.concat(chunks.stdout).toString('utf8'),
      stderr: Buffer.concat(chunks.stderr).toString('utf8'),
      timedOut,
    };
  }

  async spawn(sandbox: SandboxHandle, command: readonly string[]): Promise<SandboxProcess> {
    const { stream, stdout, stderr } = await this.startLearnerExec(sandbox, command, true);
    const ended = new Promise<void>((resolve) => {
      const done = () => {
        stdout.end();
        stderr.end();
        resolve();
      };
      stream.once('end', done);
      stream.once('close', done);
      // A write after the process is gone fails here; the end above already told the owner.
      stream.on('error', done);
    });
    return { stdin: stream, stdout, stderr, ended, close: () => stream.destroy() };
  }

  /** Creates and starts an exec as the learner in their home folder, without a TTY, stdout and stderr apart. */
  private async startLearnerExec(sandbox: SandboxHandle, command: readonly string[], stdin: boolean) {
    const container = this.docker.getContainer(sandbox.id);
    const exec = await this.engine.must(stdin ? 'start a process in the sandbox' : 'run a command in the sandbox', () => container.exec({
      Cmd: [...command], User: `${LEARNER_UID}:${LEARNER_UID}`, WorkingDir: LEARNER_HOME,
      AttachStdin: stdin, AttachStdout: true, AttachStderr: true, Tty: false,
    }));
    const stream = await this.engine.must(stdin ? 'attach to the process' : 'start the command', () => exec.start({ hijack: true, stdin }));
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    this.docker.modem.demuxStream(stream, stdout, stderr);
    return { exec, stream, stdout, stderr };
  }

  async remove(sandbox: SandboxHandle): Promise<void> {
    // 404: already removed (AutoRemove); 409: removal already in progress.
    await this.engine.run(`remove sandbox ${sandbox.id.slice(0, 12)}`, (docker) => docker.getContainer(sandbox.id).remove({ force: true, v: true }), [404, 409]);
  }

  async createNetwork(session: string, lab: string, expiresAt: number): Promise<string> {
    const name = `bulkhead-${this.instance}-${session}`;
    await this.engine.run(`create network ${name}`, (docker) => docker.createNetwork({
      Name: name, Driver: 'bridge', Internal: true, CheckDuplicate: true,
      Labels: objectLabels({ instance: this.instance, session, lab, expiresAt }, ROLE_NETWORK),
    }));
    return name;
  }

  /** Everything labelled with all of `labels`: the runtime's own objects and the gate's alike. */
  private async objects(labels: string[]) {
    const filters = { label: labels };
    const [containers, networks, volumes] = await Promise.all([
      this.engine.run('list containers', (docker) => docker.listContainers({ all: true, filters })),
      this.engine.run('list networks', (docker) => docker.listNetworks({ filters })),
      this.engine.run('list volumes', (docker) => docker.listVolumes({ filters })),
    ]);
    return { containers: containers ?? [], networks: networks ?? [], volumes: volumes?.Volumes ?? [] };
  }

  async engineSessions(): Promise<EngineSession[]> {
    const { containers, networks, volumes } = await this.objects(ownerFilters({ instance: this.instance }));
    const sessions = new Map<string, number>();
    for (const labels of [...containers.map((c) => c.Labels), ...networks.map((n) => n.Labels), ...volumes.map((v) => v.Labels)]) {
      const session = labels?.[LABEL_SESSION];
      if (!session) continue;
      const expires = Number(labels?.[LABEL_EXPIRES] ?? 0);
      sessions.set(session, Math.max(sessions.get(session) ?? 0, Number.isFinite(expires) ? expires : 0));
    }
    return [...sessions].map(([session, expiresAt]) => ({ session, expiresAt }));
  }

  private async removeMatching(labels: string[]): Promise<number> {
    const { containers, networks, volumes } = await this.objects(labels);
    // Containers first: a network or volume in use cannot be removed.
    await Promise.all(containers.map((c) => this.remove({ id: c.Id, session: '', lab: '' })));
    await Promise.all(networks.map((n) => this.engine.run(`remove network ${n.Name}`, (docker) => docker.getNetwork(n.Id).remove(), [404])));
    await Promise.all(volumes.map((v) => this.engine.run(`remove volume ${v.Name}`, (docker) => docker.getVolume(v.Name).remove({ force: true }), [404, 409])));
    return containers.length + networks.length + volumes.length;
  }

  removeSession(session: string): Promise<number> {
    return this.removeMatching(ownerFilters({ instance: this.instance, session }));
  }

  removeAll(): Promise<number> {
    return this.removeMatching(ownerFilters({ instance: this.instance }));
  }
}

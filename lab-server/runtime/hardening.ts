/**
 * The learner sandbox's confinement, in one place. Every value is what the course teaches; an operator
 * may tighten the limits through config, and a lab may add back only capabilities its validated
 * definition lists. Nothing else in lab-server builds a HostConfig for a sandbox.
 */
import type { ContainerCreateOptions } from 'dockerode';
import type { Config } from '../config.ts';
import { objectLabels, ROLE_SANDBOX } from '../labels.ts';
import type { SandboxSpec } from './sandbox-runtime.ts';

export const LEARNER_UID = 1000;
export const LEARNER_HOME = '/home/learner';
/** Where the session's Docker gate socket appears in the sandbox; the shell image links /var/run/docker.sock here. */
export const GATE_MOUNT = '/run/docker-gate';
/** The relay's socket is all that lives there. */
const GATE_TMPFS_BYTES = 64 * 1024;
const MIB = 1024 * 1024;
const NANO_CPUS_PER_MILLI = 1_000_000;
/** Enough for `docker logs` of a sandbox while debugging, small enough that a noisy one cannot fill a disk. */
const LOG_MAX_SIZE = '1m';

export interface SandboxLimits {
  memoryBytes: number;
  nanoCpus: number;
  pidsLimit: number;
  tmpfsBytes: number;
  nofile: number;
}

export function limitsFromConfig(config: Config): SandboxLimits {
  return {
    memoryBytes: config.SANDBOX_MEMORY_MIB * MIB,
    nanoCpus: config.SANDBOX_MILLI_CPUS * NANO_CPUS_PER_MILLI,
    pidsLimit: config.SANDBOX_PIDS_LIMIT,
    tmpfsBytes: config.SANDBOX_TMPFS_MIB * MIB,
    nofile: config.SANDBOX_NOFILE,
  };
}

export function sandboxCreateOptions(spec: SandboxSpec, limits: SandboxLimits, instance: string): ContainerCreateOptions {
  const tmpfs = `rw,nosuid,nodev,size=${limits.tmpfsBytes}`;
  return {
    name: `bulkhead-${instance}-${spec.session}`,
    Image: spec.image,
    // PID 1 is Docker's init (Init below); the sandbox itself only idles. Shells and the check agent are execs.
    Cmd: ['sleep', 'infinity'],
    User: `${LEARNER_UID}:${LEARNER_UID}`,
    WorkingDir: LEARNER_HOME,
    Hostname: 'lab',
    Env: ['TERM=xterm-256color', 'LANG=C.UTF-8', `HOME=${LEARNER_HOME}`],
    Labels: objectLabels({ instance, session: spec.session, lab: spec.lab, expiresAt: spec.expiresAt }, ROLE_SANDBOX),
    NetworkDisabled: false,
    ExposedPorts: {},
    StopSignal: 'SIGKILL',
    HostConfig: {
      CapDrop: ['ALL'],
      CapAdd: [...(spec.capAdd ?? [])],
      // Leaving SecurityOpt without seccomp/apparmor entries keeps the engine's default profiles.
      SecurityOpt: ['no-new-privileges:true'],
      Privileged: false,
      ReadonlyRootfs: true,
      Tmpfs: {
        '/tmp': `${tmpfs},mode=1777`,
        [LEARNER_HOME]: `${tmpfs},mode=0700,uid=${LEARNER_UID},gid=${LEARNER_UID}`,
        // The learner's own: the relay (run as the learner) creates the gate's socket here, mode 0600.
        ...(spec.gate ? { [GATE_MOUNT]: `rw,nosuid,nodev,noexec,size=${GATE_TMPFS_BYTES},mode=0700,uid=${LEARNER_UID},gid=${LEARNER_UID}` } : {}),
      },
      Memory: limits.memoryBytes,
      MemorySwap: limits.memoryBytes,
      NanoCpus: limits.nanoCpus,
      PidsLimit: limits.pidsLimit,
      Ulimits: [{ Name: 'nofile', Soft: limits.nofile, Hard: limits.nofile }],
      Init: true,
      NetworkMode: spec.network ?? 'none',
      // Nothing of lab-server's host is mounted: the gate is reached through the tunnel (lab-server/tunnel).
      Binds: [],
      PortBindings: {},
      PublishAllPorts: false,
      IpcMode: 'private',
      LogConfig: { Type: 'json-file', Config: { 'max-size': LOG_MAX_SIZE, 'max-file': '1' } },
      AutoRemove: true,
      RestartPolicy: { Name: 'no' },
    },
  };
}

/**
 * What one session's gate allows: every value an operator or a lesson may change, in one type, with its
 * default. `buildGatePolicy` is the one place a policy is made: the defaults below, then the operator's
 * overrides (the GATE_* settings, see lab-server/config.ts and docs/configuration.md), then what the
 * lesson's validated lab definition relaxes (`allowRoot`). The rules that read these values live with
 * the requests they judge (handlers/*.ts); this file holds only the values.
 */
import { LabError } from '../errors.ts';

const MIB = 1024 * 1024;
const NANO_CPUS_PER_CPU = 1_000_000_000;

export interface GatePolicy {
  /**
   * Capabilities a learner may `--cap-add` (without CAP_). Default: Docker's default set, so adding one
   * of those back after `--cap-drop ALL` never exceeds what `docker run` gives anyway. Never one of
   * NEVER_ADDABLE.
   */
  capAllowlist: readonly string[];
  /**
   * Whether containers may run as root (uid 0) inside. Default off: every container and exec runs as a
   * numeric non-root uid and gets no-new-privileges. A lesson's `allowRoot: true` turns it on (the lessons
   * that show root's default capabilities); operators cannot.
   */
  allowRoot: boolean;
  /** Memory per container (and per build); a container without `--memory` gets this much, no swap. Default 256 MiB. */
  memoryBytesMax: number;
  /** Processes per container; without `--pids-limit` a container gets this many. Default 128. */
  pidsMax: number;
  /** CPU per container (and per build) in billionths of a CPU; without `--cpus` a container gets this much. Default 0.5 CPU. */
  nanoCpusMax: number;
  /** Size of each tmpfs mount and of /dev/shm. Default 64 MiB. */
  tmpfsBytesMax: number;
  /** Containers per session, running or not. Default 10. */
  maxContainers: number;
  /** Image tags a session may own (built or tagged). Default 10. */
  maxImages: number;
  /** Named volumes per session. Default 10. */
  maxVolumes: number;
  /** Networks a session may create, besides the session network. Default 5. */
  maxNetworks: number;
  /** Largest `docker build` context (the tar the CLI sends), and largest body the gate reads and drops. Default 32 MiB. */
  buildContextBytesMax: number;
  /** A build that runs longer is cancelled. Default 10 minutes. */
  buildTimeoutMs: number;
  /**
   * Images beyond the lab catalog (bulkhead/*) that learners may run, build FROM and pull, as references
   * (`debian:trixie-slim`; a repository without tag allows every tag of it). Default `debian:trixie-slim`.
   */
  imageAllowlist: readonly string[];
}

/** What an operator may change: everything but root, which only a lesson may allow. */
export type GateOverrides = Partial<Omit<GatePolicy, 'allowRoot'>>;

/** What a lesson's lab definition contributes (the validated `lab` block of the lesson). */
export interface GateLab {
  allowRoot?: boolean;
}

/** The capabilities Docker gives a container that drops none (moby's default set). */
export const DOCKER_DEFAULT_CAPS: readonly string[] = [
  'CHOWN', 'DAC_OVERRIDE', 'FSETID', 'FOWNER', 'MKNOD', 'NET_RAW', 'SETGID', 'SETUID', 'SETFCAP',
  'SETPCAP', 'NET_BIND_SERVICE', 'SYS_CHROOT', 'KILL', 'AUDIT_WRITE',
];

/** Each of these is a known container escape on its own (mounts, modules, raw I/O, ptrace of the runtime, open_by_handle_at). */
export const NEVER_ADDABLE: readonly string[] = [
  'SYS_ADMIN', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_PTRACE', 'DAC_READ_SEARCH', 'SYS_BOOT', 'MAC_ADMIN', 'MAC_OVERRIDE',
  'SYSLOG', 'SYS_TIME', 'BPF', 'PERFMON', 'NET_ADMIN', 'SYS_RESOURCE', 'LINUX_IMMUTABLE', 'IPC_OWNER', 'SYS_PACCT',
  'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_CONTROL', 'AUDIT_READ', 'CHECKPOINT_RESTORE', 'LEASE', 'SYS_NICE', 'SYS_TTY_CONFIG',
];

export const DEFAULT_POLICY: GatePolicy = {
  capAllowlist: DOCKER_DEFAULT_CAPS,
  allowRoot: false,
  memoryBytesMax: 256 * MIB,
  pidsMax: 128,
  nanoCpusMax: NANO_CPUS_PER_CPU / 2,
  tmpfsBytesMax: 64 * MIB,
  maxContainers: 10,
  maxImages: 10,
  maxVolumes: 10,
  maxNetworks: 5,
  buildContextBytesMax: 32 * MIB,
  buildTimeoutMs: 10 * 60_000,
  imageAllowlist: ['debian:trixie-slim'],
};

const NUMBERS = [
  'memoryBytesMax', 'pidsMax', 'nanoCpusMax', 'tmpfsBytesMax', 'maxContainers', 'maxImages', 'maxVolumes', 'maxNetworks',
  'buildContextBytesMax', 'buildTimeoutMs',
] as const;

function invalid(message: string): LabError {
  return new LabError('CONFIG_INVALID', `Invalid Docker gate policy: ${message}`);
}

/**
 * The one builder: defaults, then the operator's overrides, then the lesson's relaxations. Refuses a
 * policy no operator should run: an escape-grade capability in the allowlist, or a limit that is not a
 * positive whole number.
 */
export function buildGatePolicy(lab: GateLab = {}, overrides: GateOverrides = {}): GatePolicy {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([key, value]) => value !== undefined && key !== 'allowRoot'));
  const policy: GatePolicy = { ...DEFAULT_POLICY, ...defined, allowRoot: lab.allowRoot ?? DEFAULT_POLICY.allowRoot };
  for (const key of NUMBERS) {
    if (!Number.isSafeInteger(policy[key]) || policy[key] <= 0) throw invalid(`${key} must be a positive whole number, not ${String(policy[key])}.`);
  }
  const caps = policy.capAllowlist.map((cap) => cap.toUpperCase().replace(/^CAP_/, ''));
  const never = caps.filter((cap) => cap === 'ALL' || NEVER_ADDABLE.includes(cap));
  if (never.length) throw invalid(`capAllowlist may not contain ${never.join(', ')}: each is a container escape on its own.`);
  return { ...policy, capAllowlist: caps, imageAllowlist: [...policy.imageAllowlist] };
}

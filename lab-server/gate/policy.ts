/**
 * What one session's gate allows. The lead builds it from the lab's validated definition (capabilities,
 * whether the lesson shows root in a container) and the operator's configuration (limits, image
 * allowlist); every field has a safe default.
 */

const MIB = 1024 * 1024;
const NANO_CPUS_PER_CPU = 1_000_000_000;

export interface GatePolicy {
  /**
   * Capabilities a learner may `--cap-add` (without CAP_). Docker's default set by default: adding one of
   * those back after `--cap-drop ALL` never exceeds what `docker run` gives anyway. A lab may widen it,
   * but never with the capabilities in NEVER_ADDABLE.
   */
  capAllowlist: readonly string[];
  /**
   * Whether containers may run as root (uid 0) inside. Off: every container and exec runs as a numeric
   * non-root uid and gets no-new-privileges. On: the lessons that show root's default capabilities.
   */
  allowRoot: boolean;
  /** Memory per container; a container without `--memory` gets this much, no swap. */
  memoryBytesMax: number;
  /** Processes per container; without `--pids-limit` a container gets this many. */
  pidsMax: number;
  /** CPU per container in billionths of a CPU; without `--cpus` a container gets this much. */
  nanoCpusMax: number;
  /** Size of each tmpfs mount and of /dev/shm. */
  tmpfsBytesMax: number;
  maxContainers: number;
  maxImages: number;
  maxVolumes: number;
  maxNetworks: number;
  /** Largest `docker build` context (the tar the CLI sends). */
  buildContextBytesMax: number;
  /** A build that runs longer is cancelled. */
  buildTimeoutMs: number;
  /**
   * Images beyond the lab catalog (bulkhead/*) that learners may run, build FROM and pull, as
   * references (`debian:trixie-slim`; a repository without tag allows every tag of it).
   */
  imageAllowlist: readonly string[];
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

export function resolvePolicy(partial: Partial<GatePolicy> = {}): GatePolicy {
  const policy = { ...DEFAULT_POLICY, ...partial };
  const caps = policy.capAllowlist.map((cap) => cap.toUpperCase().replace(/^CAP_/, ''));
  const never = caps.filter((cap) => cap === 'ALL' || NEVER_ADDABLE.includes(cap));
  if (never.length) throw new Error(`gate policy: capAllowlist may not contain ${never.join(', ')}`);
  return { ...policy, capAllowlist: caps };
}

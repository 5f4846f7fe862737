/**
 * A container's share of the machine: memory (swap equal, so no swap), CPU, processes, tmpfs-backed
 * /dev/shm, ulimits, and the weights and OOM score that decide who loses under pressure. A learner's
 * value up to the policy's cap passes, the cap fills in when none is given: one learner cannot starve a
 * machine others share.
 */
import type { GatePolicy } from '../policy.ts';
import { checkKeys, int, list, requireObject, str } from '../fields.ts';
import { badRequest, forbidden } from '../refusal.ts';
import type { JsonObject, JsonValue } from '../strict-json.ts';

const ALLOWED_ULIMITS: Record<string, number> = { nofile: 4096, core: 0 };
const DEFAULT_NOFILE = 1024;
const MIN_MEMORY_BYTES = 6 * 1024 * 1024;
const DEFAULT_CPU_PERIOD_US = 100_000;
const MAX_CPU_SHARES = 1024;
const MAX_BLKIO_WEIGHT = 500;

const mib = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MiB`;
const cpus = (n: number) => `${n / 1e9} CPU`;

/** A learner's value within the cap, or the cap when unset (0 means unset to the engine). */
function limit(value: number | undefined, max: number, what: string, unit: (n: number) => string): number {
  if (value === undefined || value === 0) return max;
  if (value < 0 || value > max) {
    throw forbidden(`${what} of ${unit(value)}`, `the lab caps every container at ${unit(max)} so one learner cannot starve a machine others share`, 'cgroups');
  }
  return value;
}

function checkMemory(hc: JsonObject, out: JsonObject, policy: GatePolicy): void {
  const H = 'HostConfig';
  const memory = limit(int(hc, 'Memory', H), policy.memoryBytesMax, '--memory', mib);
  if (memory < MIN_MEMORY_BYTES) throw badRequest('Minimum memory limit allowed is 6MB.');
  out.Memory = memory;
  const swap = int(hc, 'MemorySwap', H) ?? 0;
  if (swap === -1 || (swap !== 0 && (swap < memory || swap > policy.memoryBytesMax))) {
    throw forbidden(`--memory-swap ${swap === -1 ? '-1' : mib(swap)}`, `swap lets a container use the host's disk as memory beyond its limit; the lab allows memory plus swap up to ${mib(policy.memoryBytesMax)}`, 'cgroups');
  }
  out.MemorySwap = swap || memory;
  const reservation = int(hc, 'MemoryReservation', H) ?? 0;
  if (reservation < 0 || reservation > memory) throw badRequest('--memory-reservation must not exceed --memory.');
  if (reservation) out.MemoryReservation = reservation;
  const swappiness = int(hc, 'MemorySwappiness', H);
  if (swappiness !== undefined) {
    if (swappiness < -1 || swappiness > 100) throw badRequest('--memory-swappiness must be between 0 and 100.');
    out.MemorySwappiness = swappiness;
  }
}

function checkCpu(hc: JsonObject, out: JsonObject, policy: GatePolicy): void {
  const H = 'HostConfig';
  const nanoCpus = int(hc, 'NanoCpus', H) ?? 0;
  const period = int(hc, 'CpuPeriod', H) ?? 0;
  const cpuQuota = int(hc, 'CpuQuota', H) ?? 0;
  if (period || cpuQuota) {
    if (nanoCpus) throw badRequest('Conflicting options: Nano CPUs and CPU Period cannot both be set.');
    const effectivePeriod = period || DEFAULT_CPU_PERIOD_US;
    if (cpuQuota <= 0 || period < 0 || (cpuQuota / effectivePeriod) * 1e9 > policy.nanoCpusMax) {
      throw forbidden('--cpu-quota/--cpu-period beyond the lab\'s cap', `the lab caps every container at ${cpus(policy.nanoCpusMax)}`, 'cgroups');
    }
    out.CpuQuota = cpuQuota;
    if (period) out.CpuPeriod = period;
  } else {
    out.NanoCpus = limit(nanoCpus, policy.nanoCpusMax, '--cpus', cpus);
  }
  const shares = int(hc, 'CpuShares', H) ?? 0;
  if (shares < 0 || shares > MAX_CPU_SHARES) throw forbidden(`--cpu-shares ${shares}`, 'more than the default weight of 1024 takes CPU from other learners', 'cgroups');
  if (shares) out.CpuShares = shares;
}

/** `--ulimit`: nofile (at most 4096, 1024 when unset) and core (0) only. */
function checkUlimits(raw: JsonValue[] | undefined): JsonObject[] {
  const out: JsonObject[] = [];
  let nofile = false;
  for (const [i, entry] of (raw ?? []).entries()) {
    const where = `HostConfig.Ulimits[${i}]`;
    const ulimit = requireObject(entry, where);
    checkKeys(ulimit, ['Name', 'Soft', 'Hard'], where);
    const name = str(ulimit, 'Name', where);
    const soft = int(ulimit, 'Soft', where) ?? 0;
    const hard = int(ulimit, 'Hard', where) ?? 0;
    const max = ALLOWED_ULIMITS[name];
    if (max === undefined) throw forbidden(`--ulimit ${name}`, `the lab allows the nofile (at most ${ALLOWED_ULIMITS.nofile}) and core (0) limits; limits like memlock or rtprio are set by the daemon as root and can exceed the host's defaults`, 'cgroups');
    if (soft < 0 || hard < 0 || soft > hard || hard > max) throw forbidden(`--ulimit ${name}=${soft}:${hard}`, `the lab allows at most ${max}`, 'cgroups');
    if (name === 'nofile') nofile = true;
    out.push({ Name: name, Soft: soft, Hard: hard });
  }
  if (!nofile) out.push({ Name: 'nofile', Soft: DEFAULT_NOFILE, Hard: DEFAULT_NOFILE });
  return out;
}

/** The resource fields of HostConfig, rebuilt into `out` with the policy's caps filled in. */
export function checkResources(hc: JsonObject, out: JsonObject, policy: GatePolicy): void {
  const H = 'HostConfig';
  const oomScoreAdj = int(hc, 'OomScoreAdj', H) ?? 0;
  if (oomScoreAdj < 0 || oomScoreAdj > 1000) throw forbidden(`--oom-score-adj ${oomScoreAdj}`, 'a negative score makes the kernel kill the host\'s processes before the container\'s', 'cgroups');
  if (oomScoreAdj) out.OomScoreAdj = oomScoreAdj;
  checkMemory(hc, out, policy);
  const pids = int(hc, 'PidsLimit', H);
  out.PidsLimit = limit(pids === -1 ? undefined : pids, policy.pidsMax, '--pids-limit', (n) => `${n} processes`);
  checkCpu(hc, out, policy);
  const blkio = int(hc, 'BlkioWeight', H) ?? 0;
  if (blkio < 0 || blkio > MAX_BLKIO_WEIGHT) throw forbidden(`--blkio-weight ${blkio}`, 'more than the default weight of 500 takes disk time from other learners', 'cgroups');
  if (blkio) out.BlkioWeight = blkio;
  const shm = int(hc, 'ShmSize', H) ?? 0;
  if (shm < 0 || shm > policy.tmpfsBytesMax) throw forbidden(`--shm-size ${mib(shm)}`, `/dev/shm lives in memory; the lab allows ${mib(policy.tmpfsBytesMax)}`, 'cgroups');
  if (shm) out.ShmSize = shm;
  out.Ulimits = checkUlimits(list(hc, 'Ulimits', H));
}

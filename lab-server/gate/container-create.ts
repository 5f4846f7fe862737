/**
 * POST /containers/create: the container a learner asks for, checked field by field against the lab's
 * policy and rebuilt. Fields the engine would read but the gate does not know are refused (that is how
 * top-level HostConfig fields of old API versions and case-variant keys are stopped); limits the learner
 * does not set are filled in with the lab's caps.
 */
import type { GatePolicy } from './policy.ts';
import { badRequest, forbidden } from './refusal.ts';
import { isReservedLabel } from './naming.ts';
import {
  bool, checkContainerPath, checkKeys, int, isKernelPath, isZero, keySet, list, requireObject, str, strList, strMap,
} from './fields.ts';
import type { JsonObject, JsonValue } from './strict-json.ts';

export interface CreateLookups {
  /** One of the session's containers (404 otherwise). */
  container(ref: string): Promise<{ id: string; engineName: string }>;
  /** One of the session's networks, `bridge` meaning the session network (404 otherwise). */
  network(ref: string): Promise<{ id: string; engineName: string }>;
  /** The engine name of the session's volume, created (within the quota) when missing. */
  volume(learnerName: string): Promise<string>;
  image(ref: string): Promise<{ engineRef: string; user: string; workingDir: string }>;
}

const CONFIG_KEYS = [
  'Hostname', 'Domainname', 'User', 'AttachStdin', 'AttachStdout', 'AttachStderr', 'ExposedPorts', 'Tty', 'OpenStdin',
  'StdinOnce', 'Env', 'Cmd', 'Healthcheck', 'ArgsEscaped', 'Image', 'Volumes', 'WorkingDir', 'Entrypoint',
  'NetworkDisabled', 'MacAddress', 'OnBuild', 'Labels', 'StopSignal', 'StopTimeout', 'Shell', 'HostConfig', 'NetworkingConfig',
] as const;

const HOST_CONFIG_KEYS = [
  'Binds', 'ContainerIDFile', 'LogConfig', 'NetworkMode', 'PortBindings', 'RestartPolicy', 'AutoRemove', 'VolumeDriver',
  'VolumesFrom', 'ConsoleSize', 'Annotations', 'CapAdd', 'CapDrop', 'CgroupnsMode', 'Dns', 'DnsOptions', 'DnsSearch',
  'ExtraHosts', 'GroupAdd', 'IpcMode', 'Cgroup', 'Links', 'OomScoreAdj', 'PidMode', 'Privileged', 'PublishAllPorts',
  'ReadonlyRootfs', 'SecurityOpt', 'StorageOpt', 'Tmpfs', 'UTSMode', 'UsernsMode', 'ShmSize', 'Sysctls', 'Runtime',
  'Isolation', 'CpuShares', 'Memory', 'NanoCpus', 'CgroupParent', 'BlkioWeight', 'BlkioWeightDevice',
  'BlkioDeviceReadBps', 'BlkioDeviceWriteBps', 'BlkioDeviceReadIOps', 'BlkioDeviceWriteIOps', 'CpuPeriod', 'CpuQuota',
  'CpuRealtimePeriod', 'CpuRealtimeRuntime', 'CpusetCpus', 'CpusetMems', 'Devices', 'DeviceCgroupRules',
  'DeviceRequests', 'KernelMemory', 'KernelMemoryTCP', 'MemoryReservation', 'MemorySwap', 'MemorySwappiness',
  'OomKillDisable', 'PidsLimit', 'Ulimits', 'CpuCount', 'CpuPercent', 'IOMaximumIOps', 'IOMaximumBandwidth', 'Mounts',
  'MaskedPaths', 'ReadonlyPaths', 'Init',
] as const;

const ENDPOINT_KEYS = [
  'IPAMConfig', 'Links', 'Aliases', 'MacAddress', 'DriverOpts', 'NetworkID', 'EndpointID', 'Gateway', 'IPAddress',
  'IPPrefixLen', 'IPv6Gateway', 'GlobalIPv6Address', 'GlobalIPv6PrefixLen', 'DNSNames', 'GwPriority',
] as const;

/** Fields the lab refuses unless empty, with the reason and the lesson. */
const MUST_BE_EMPTY: ReadonlyArray<readonly [string, string, string, Parameters<typeof forbidden>[2]]> = [
  ['Privileged', '--privileged', 'a privileged container has every capability, every host device and no seccomp or AppArmor: it is root on the host', 'capabilities'],
  ['PortBindings', 'publishing ports (-p)', 'a published port opens on the host\'s network interfaces, for anyone who can reach the host; in the lab, reach a container by name over your session network instead (for example `curl http://web:8080`)', 'best-practices'],
  ['PublishAllPorts', 'publishing all ports (-P)', 'published ports open on the host\'s network interfaces; reach containers by name over your session network instead', 'best-practices'],
  ['Devices', 'host devices (--device)', 'a host device node gives the container the hardware itself, and a disk device is the host\'s filesystem', 'cgroups'],
  ['DeviceCgroupRules', '--device-cgroup-rule', 'it opens the device cgroup, the fence that stops a container from using host devices it can create', 'cgroups'],
  ['DeviceRequests', '--gpus and device requests', 'they hand host hardware and its drivers to the container', 'cgroups'],
  ['Sysctls', '--sysctl', 'kernel parameters change how the kernel treats the container; some are not namespaced and change the host', 'namespaces'],
  ['CgroupParent', '--cgroup-parent', 'it moves the container out of the cgroup where its limits are enforced, possibly into the host\'s own', 'cgroups'],
  ['Cgroup', '--cgroup', 'it joins another container\'s cgroup and its limits', 'cgroups'],
  ['StorageOpt', '--storage-opt', 'storage driver options are the daemon\'s business', 'daemon'],
  ['Annotations', 'OCI annotations', 'annotations reach the container runtime unchecked and some change how it sets up the container', 'daemon'],
  ['Dns', '--dns', 'a custom resolver lets a container on an isolated network reach out through the daemon\'s DNS forwarding (CVE-2024-29018)', 'namespaces'],
  ['DnsOptions', '--dns-option', 'DNS settings are fixed by the lab\'s network', 'namespaces'],
  ['DnsSearch', '--dns-search', 'DNS settings are fixed by the lab\'s network', 'namespaces'],
  ['ExtraHosts', '--add-host', 'host entries such as host-gateway point containers at the host itself', 'namespaces'],
  ['GroupAdd', '--group-add', 'supplementary groups (such as 0 or the docker group) grant file access the lab does not give', 'hardening'],
  ['KernelMemory', '--kernel-memory', 'kernel memory limits are deprecated and unreliable', 'cgroups'],
  ['KernelMemoryTCP', 'kernel TCP memory limits', 'they are deprecated and unreliable', 'cgroups'],
  ['CpuRealtimePeriod', 'real-time CPU scheduling', 'real-time tasks can starve every other process on the host', 'cgroups'],
  ['CpuRealtimeRuntime', 'real-time CPU scheduling', 'real-time tasks can starve every other process on the host', 'cgroups'],
  ['CpusetCpus', '--cpuset-cpus', 'pinning to host CPUs is the operator\'s choice, the lab caps CPU with --cpus', 'cgroups'],
  ['CpusetMems', '--cpuset-mems', 'pinning to host memory nodes is the operator\'s choice', 'cgroups'],
  ['BlkioWeightDevice', 'per-device block I/O settings', 'they name host block devices', 'cgroups'],
  ['BlkioDeviceReadBps', 'per-device block I/O settings', 'they name host block devices', 'cgroups'],
  ['BlkioDeviceWriteBps', 'per-device block I/O settings', 'they name host block devices', 'cgroups'],
  ['BlkioDeviceReadIOps', 'per-device block I/O settings', 'they name host block devices', 'cgroups'],
  ['BlkioDeviceWriteIOps', 'per-device block I/O settings', 'they name host block devices', 'cgroups'],
  ['OomKillDisable', '--oom-kill-disable', 'a container at its memory limit would hang instead of being stopped', 'cgroups'],
  ['CpuCount', 'Windows CPU settings', 'they do not apply on Linux', 'cgroups'],
  ['CpuPercent', 'Windows CPU settings', 'they do not apply on Linux', 'cgroups'],
  ['IOMaximumIOps', 'Windows I/O settings', 'they do not apply on Linux', 'cgroups'],
  ['IOMaximumBandwidth', 'Windows I/O settings', 'they do not apply on Linux', 'cgroups'],
  ['ContainerIDFile', 'a container id file', 'the engine has no business with client-side files', 'daemon'],
];

const SIGNAL = /^(SIG)?[A-Z0-9+-]{1,16}$|^[0-9]{1,2}$/;
const HOSTNAME = /^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,62})$/;
const ALLOWED_ULIMITS: Record<string, number> = { nofile: 4096, core: 0 };
const DEFAULT_NOFILE = 1024;
const MIN_MEMORY_BYTES = 6 * 1024 * 1024;
const MIN_HEALTHCHECK_INTERVAL_NS = 1_000_000_000;
const MAX_STOP_TIMEOUT_S = 600;

export interface CreateResult {
  body: JsonObject;
  warnings: string[];
}

function normalizeCap(cap: string): string {
  const upper = cap.toUpperCase();
  return upper.startsWith('CAP_') ? upper.slice(4) : upper;
}

/** `uid[:gid]` numeric and not 0, or undefined when the user cannot be shown to be non-root. */
function nonRootUid(user: string): number | undefined {
  const match = /^([0-9]{1,10})(?::([0-9]{1,10}))?$/.exec(user);
  if (!match) return undefined;
  const uid = Number(match[1]);
  return uid === 0 ? undefined : uid;
}

export function checkUser(user: string, imageUser: string, policy: GatePolicy, where: string): void {
  if (user && !/^[a-zA-Z0-9_.-]{1,32}(:[a-zA-Z0-9_.-]{1,32})?$/.test(user)) throw badRequest(`${where}: the user ${JSON.stringify(user.slice(0, 40))} is not a valid user[:group].`);
  if (policy.allowRoot) return;
  const effective = user || imageUser;
  if (nonRootUid(effective) !== undefined) return;
  const reason = effective === '' || /^(0|root)(:|$)/.test(effective)
    ? `${user ? 'the user you asked for is root' : 'this image runs as root'}; root in a container is root on the host's kernel, one bug away from the host. Pass a numeric non-root user such as \`-u 1000\`, or set \`USER 1000\` in your Dockerfile`
    : `the user ${JSON.stringify(effective)} is a name, and a name can map to uid 0 in the image's /etc/passwd; use a numeric uid such as \`-u 1000\` (Kubernetes' runAsNonRoot has the same rule)`;
  throw forbidden(`running as root (${where})`, reason, 'hardening');
}

export function checkWorkingDir(dir: string, where: string): void {
  if (dir === '') return;
  checkContainerPath(dir, `${where} working directory`);
  if (dir === '/proc' || dir.startsWith('/proc/') || dir === '/sys' || dir.startsWith('/sys/')) {
    throw forbidden(`a working directory under ${dir.startsWith('/proc') ? '/proc' : '/sys'}`, 'a working directory in /proc/self/fd is how runc\'s CVE-2024-21626 ("Leaky Vessels") reached the host filesystem', 'threats');
  }
}

function checkLabels(labels: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (isReservedLabel(k)) {
      throw forbidden(`setting the label "${k}"`, 'labels starting with "bulkhead." are how the lab knows which objects are yours; the gate sets them itself', 'inspect');
    }
    out[k] = v;
  }
  return out;
}

async function checkBinds(binds: string[], lookups: CreateLookups): Promise<string[]> {
  const out: string[] = [];
  for (const bind of binds) {
    const parts = bind.split(':');
    if (parts.length < 2 || parts.length > 3) throw badRequest(`invalid volume specification: ${JSON.stringify(bind.slice(0, 80))}`);
    const [source = '', target = '', mode = ''] = parts;
    if (source.startsWith('/') || source.includes('/') || source.startsWith('.') || source.startsWith('~')) {
      throw forbidden(`mounting the host path ${JSON.stringify(source.slice(0, 60))}`, 'a bind mount hands the container the host\'s own files; mounting / or /var/run/docker.sock is root on the host. Use a named volume instead: `-v data:/data`', 'daemon');
    }
    checkContainerPath(target, 'the mount target');
    if (isKernelPath(target)) throw forbidden(`mounting over ${target}`, 'volumes over /proc, /sys or /dev hide the kernel\'s protections from the runtime (runc CVE-2019-19921)', 'threats');
    const modes = mode ? mode.split(',') : [];
    for (const m of modes) {
      if (!['ro', 'rw', 'nocopy'].includes(m)) throw forbidden(`the mount option "${m}"`, 'only ro, rw and nocopy are available; relabelling and mount propagation reach into the host\'s mount table', 'namespaces');
    }
    out.push([await lookups.volume(source), target, ...(modes.length ? [modes.join(',')] : [])].join(':'));
  }
  return out;
}

async function checkMounts(mounts: JsonValue[], lookups: CreateLookups, policy: GatePolicy): Promise<JsonObject[]> {
  const out: JsonObject[] = [];
  for (const [i, raw] of mounts.entries()) {
    const where = `HostConfig.Mounts[${i}]`;
    const mount = requireObject(raw, where);
    checkKeys(mount, ['Type', 'Source', 'Target', 'ReadOnly', 'Consistency', 'BindOptions', 'VolumeOptions', 'TmpfsOptions', 'ClusterOptions'], where);
    const type = str(mount, 'Type', where);
    const target = str(mount, 'Target', where);
    checkContainerPath(target, 'the mount target');
    if (isKernelPath(target)) throw forbidden(`mounting over ${target}`, 'mounts over /proc, /sys or /dev hide the kernel\'s protections from the runtime (runc CVE-2019-19921)', 'threats');
    if (!isZero(mount.ClusterOptions) || !isZero(mount.BindOptions)) throw forbidden('bind and cluster mount options', 'bind mounts of host paths are not available', 'daemon');
    const base: JsonObject = { Type: type, Target: target, ReadOnly: bool(mount, 'ReadOnly', where) };
    const consistency = str(mount, 'Consistency', where);
    if (consistency) base.Consistency = consistency;
    if (type === 'volume') {
      if (!isZero(mount.TmpfsOptions)) throw badRequest(`${where}: TmpfsOptions on a volume mount.`);
      const source = str(mount, 'Source', where);
      const options: JsonObject = {};
      if (mount.VolumeOptions !== undefined && mount.VolumeOptions !== null) {
        const vo = requireObject(mount.VolumeOptions, `${where}.VolumeOptions`);
        checkKeys(vo, ['NoCopy', 'Labels', 'DriverConfig', 'Subpath'], `${where}.VolumeOptions`);
        if (!isZero(vo.Subpath)) throw forbidden('volume subpaths', 'a subpath is resolved by the daemon on the host (CVE-2024-24557 class); mount the whole volume', 'daemon');
        if (vo.DriverConfig !== undefined && vo.DriverConfig !== null) {
          const dc = requireObject(vo.DriverConfig, `${where}.VolumeOptions.DriverConfig`);
          checkKeys(dc, ['Name', 'Options'], `${where}.VolumeOptions.DriverConfig`);
          const driver = str(dc, 'Name', where);
          if ((driver !== '' && driver !== 'local') || !isZero(dc.Options)) {
            throw forbidden('volume driver options', 'options such as type=none,o=bind,device=/ turn a volume into a bind mount of the host\'s filesystem', 'daemon');
          }
        }
        if (bool(vo, 'NoCopy', where)) options.NoCopy = true;
        const labels = checkLabels(strMap(vo, 'Labels', where));
        if (Object.keys(labels).length) options.Labels = labels;
      }
      out.push({ ...base, ...(source ? { Source: await lookups.volume(source) } : {}), ...(Object.keys(options).length ? { VolumeOptions: options } : {}) });
    } else if (type === 'tmpfs') {
      if (str(mount, 'Source', where) !== '') throw badRequest(`${where}: a tmpfs mount has no Source.`);
      if (!isZero(mount.VolumeOptions)) throw badRequest(`${where}: VolumeOptions on a tmpfs mount.`);
      const to = mount.TmpfsOptions === undefined || mount.TmpfsOptions === null ? ({} as JsonObject) : requireObject(mount.TmpfsOptions, `${where}.TmpfsOptions`);
      checkKeys(to, ['SizeBytes', 'Mode', 'Options'], `${where}.TmpfsOptions`);
      if (!isZero(to.Options)) throw forbidden('raw tmpfs options', 'only size and mode are available', 'hardening');
      const size = int(to, 'SizeBytes', where) ?? 0;
      if (size < 0 || size > policy.tmpfsBytesMax) throw forbidden(`a tmpfs of ${size} bytes`, `tmpfs lives in memory; the lab allows ${policy.tmpfsBytesMax} bytes per mount`, 'cgroups');
      const mode = int(to, 'Mode', where) ?? 0;
      if (mode < 0 || mode > 0o7777) throw badRequest(`${where}: invalid tmpfs mode.`);
      out.push({ ...base, TmpfsOptions: { SizeBytes: size || policy.tmpfsBytesMax, ...(mode ? { Mode: mode } : {}) } });
    } else if (type === 'bind') {
      throw forbidden(`a bind mount of ${JSON.stringify(str(mount, 'Source', where).slice(0, 60))}`, 'a bind mount hands the container the host\'s own files; mounting / or /var/run/docker.sock is root on the host. Use a named volume or --tmpfs', 'daemon');
    } else {
      throw forbidden(`a mount of type ${JSON.stringify(type.slice(0, 20))}`, 'only volume and tmpfs mounts are available', 'daemon');
    }
  }
  return out;
}

function checkTmpfs(tmpfs: Record<string, string>, policy: GatePolicy): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, options] of Object.entries(tmpfs)) {
    checkContainerPath(path, 'the tmpfs path');
    if (isKernelPath(path)) throw forbidden(`a tmpfs over ${path}`, 'mounts over /proc, /sys or /dev hide the kernel\'s protections from the runtime', 'threats');
    const kept: string[] = [];
    let size = policy.tmpfsBytesMax;
    for (const option of options.split(',').filter(Boolean)) {
      const [key = '', value] = option.split('=');
      if (key === 'size' && value !== undefined) {
        const match = /^([0-9]{1,12})([kmg]?)$/i.exec(value);
        if (!match) throw badRequest(`invalid tmpfs size ${JSON.stringify(value)}.`);
        const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2]!.toLowerCase() as '' | 'k' | 'm' | 'g'];
        size = Number(match[1]) * unit;
        if (size > policy.tmpfsBytesMax || size === 0) throw forbidden(`a tmpfs of ${value}`, `tmpfs lives in memory; the lab allows ${policy.tmpfsBytesMax / 1024 / 1024}m per mount`, 'cgroups');
      } else if (['mode', 'uid', 'gid'].includes(key) && value !== undefined && /^[0-7]{1,5}$|^[0-9]{1,10}$/.test(value)) {
        kept.push(`${key}=${value}`);
      } else if (['ro', 'rw', 'noexec', 'exec', 'nosuid', 'nodev', 'noatime', 'relatime'].includes(option)) {
        kept.push(option);
      } else {
        throw forbidden(`the tmpfs option ${JSON.stringify(option.slice(0, 40))}`, 'only size, mode, uid, gid, ro/rw, noexec/exec, nosuid, nodev and atime options are available; a tmpfs is always nosuid,nodev here', 'hardening');
      }
    }
    const filtered = kept.filter((o) => o !== 'exec');
    out[path] = [...filtered, 'nosuid', 'nodev', `size=${size}`].filter((o, i, all) => all.indexOf(o) === i).join(',');
  }
  return out;
}

function checkSecurityOpt(options: string[], policy: GatePolicy): string[] {
  const out: string[] = [];
  let nnp = false;
  for (const option of options) {
    const normalized = option.replace('=', ':');
    if (/^no-new-privileges(:(true|false))?$/.test(normalized)) {
      if (normalized !== 'no-new-privileges:false') nnp = true;
      continue;
    }
    const kind = normalized.split(':')[0] ?? '';
    const reasons: Record<string, string> = {
      seccomp: 'the default seccomp profile blocks the system calls most kernel exploits start with; a custom or unconfined profile lifts that',
      apparmor: 'the AppArmor profile confines what the container may touch even as root',
      label: 'SELinux labels keep the container\'s processes from the host\'s files',
      systempaths: 'unconfined system paths expose /proc and /sys files that the runtime masks for good reason',
    };
    throw forbidden(`--security-opt ${option.slice(0, 60)}`, reasons[kind] ?? 'only no-new-privileges is available', 'hardening');
  }
  if (nnp || !policy.allowRoot) out.push('no-new-privileges:true');
  return out;
}

/** The capabilities the container will hold: Docker's default set, minus drops, plus adds. */
function checkCaps(add: string[], drop: string[], policy: GatePolicy): { CapAdd: string[]; CapDrop: string[] } {
  const adds = add.map(normalizeCap);
  const drops = drop.map(normalizeCap);
  for (const cap of adds) {
    if (cap === 'ALL') throw forbidden('--cap-add ALL', 'every capability together is as good as --privileged: CAP_SYS_ADMIN alone mounts filesystems and escapes through cgroups (CVE-2022-0492)', 'capabilities');
    if (!/^[A-Z_]{2,32}$/.test(cap)) throw badRequest(`unknown capability ${JSON.stringify(cap.slice(0, 40))}.`);
    if (!policy.capAllowlist.includes(cap)) {
      throw forbidden(`--cap-add ${cap}`, `each capability is a slice of root's power over the kernel; this lab allows adding ${policy.capAllowlist.join(', ') || 'none'}`, 'capabilities');
    }
  }
  for (const cap of drops) if (!/^[A-Z_]{2,32}$/.test(cap)) throw badRequest(`unknown capability ${JSON.stringify(cap.slice(0, 40))}.`);
  return { CapAdd: adds, CapDrop: drops };
}

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

function checkHealthcheck(raw: JsonValue | undefined): JsonObject | undefined {
  if (raw === undefined || raw === null) return undefined;
  const hc = requireObject(raw, 'Healthcheck');
  checkKeys(hc, ['Test', 'Interval', 'Timeout', 'Retries', 'StartPeriod', 'StartInterval'], 'Healthcheck');
  const out: JsonObject = {};
  const test = strList(hc, 'Test', 'Healthcheck');
  if (test) out.Test = test;
  for (const key of ['Interval', 'Timeout', 'Retries', 'StartPeriod', 'StartInterval']) {
    const value = int(hc, key, 'Healthcheck');
    if (value === undefined || value === 0) continue;
    if (value < 0) throw badRequest(`Healthcheck.${key} must not be negative.`);
    if ((key === 'Interval' || key === 'StartInterval') && value < MIN_HEALTHCHECK_INTERVAL_NS) {
      throw forbidden(`a health check every ${value / 1e6} ms`, 'each check is an exec through the daemon; the lab allows one per second at most', 'best-practices');
    }
    out[key] = value;
  }
  return out;
}

/** `host`, `container:<ref>` (the session's only) or `private`-like modes for pid/ipc/uts/userns/cgroupns. */
async function checkNamespaceMode(
  value: string, flag: string, allowed: readonly string[], lookups: CreateLookups, lesson: Parameters<typeof forbidden>[2],
): Promise<string> {
  if (allowed.includes(value)) return value;
  if (value === 'host') throw forbidden(`${flag}=host`, `sharing the host's ${flag.replace('--', '')} namespace removes the wall between the container and the host`, lesson);
  if (value.startsWith('container:')) {
    const target = await lookups.container(value.slice('container:'.length));
    return `container:${target.id}`;
  }
  throw badRequest(`invalid ${flag} value ${JSON.stringify(value.slice(0, 40))}.`);
}

export async function checkEndpoint(raw: JsonValue, where: string, lookups: CreateLookups): Promise<JsonObject> {
  const endpoint = raw === null ? ({} as JsonObject) : requireObject(raw, where);
  checkKeys(endpoint, ENDPOINT_KEYS, where);
  for (const key of ['IPAMConfig', 'MacAddress', 'DriverOpts', 'NetworkID', 'EndpointID', 'Gateway', 'IPAddress', 'IPPrefixLen', 'IPv6Gateway', 'GlobalIPv6Address', 'GlobalIPv6PrefixLen', 'GwPriority']) {
    if (!isZero(endpoint[key])) throw forbidden(`${where}.${key}`, 'addresses and driver options are assigned by the lab\'s network; use aliases and container names', 'namespaces');
  }
  const out: JsonObject = {};
  const aliases = strList(endpoint, 'Aliases', where);
  if (aliases) {
    for (const alias of aliases) if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/.test(alias)) throw badRequest(`invalid network alias ${JSON.stringify(alias.slice(0, 40))}.`);
    out.Aliases = aliases;
  }
  const dnsNames = strList(endpoint, 'DNSNames', where);
  if (dnsNames?.length) throw forbidden(`${where}.DNSNames`, 'DNS names are derived by the engine', 'namespaces');
  const links = strList(endpoint, 'Links', where);
  if (links?.length) out.Links = await checkLinks(links, lookups);
  return out;
}

async function checkLinks(links: string[], lookups: CreateLookups): Promise<string[]> {
  const out: string[] = [];
  for (const link of links) {
    const [name = '', alias, extra] = link.split(':');
    if (extra !== undefined || !name) throw badRequest(`invalid link ${JSON.stringify(link.slice(0, 60))}.`);
    const target = await lookups.container(name.replace(/^\//, ''));
    const linkAlias = alias ?? name;
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/.test(linkAlias.replace(/^\//, ''))) throw badRequest(`invalid link alias ${JSON.stringify(linkAlias.slice(0, 40))}.`);
    out.push(`${target.engineName}:${linkAlias}`);
  }
  return out;
}

function limit(value: number | undefined, max: number, what: string, unit: (n: number) => string): number {
  if (value === undefined || value === 0) return max;
  if (value < 0 || value > max) {
    throw forbidden(`${what} of ${unit(value)}`, `the lab caps every container at ${unit(max)} so one learner cannot starve a machine others share`, 'cgroups');
  }
  return value;
}

const mib = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MiB`;
const cpus = (n: number) => `${n / 1e9} CPU`;

/**
 * `name` is the learner's container name: it becomes a network alias, so `curl http://web:8080` finds the
 * container whose engine-side name carries the session prefix.
 */
export async function checkContainerCreate(body: JsonValue, policy: GatePolicy, lookups: CreateLookups, name?: string): Promise<CreateResult> {
  const config = requireObject(body, 'the container config');
  checkKeys(config, CONFIG_KEYS, 'the container config');
  const W = 'Config';
  const warnings: string[] = [];
  const out: JsonObject = {};

  const imageRef = str(config, 'Image', W);
  if (!imageRef) throw badRequest('Config.Image is required.');
  const image = await lookups.image(imageRef);
  out.Image = image.engineRef;

  for (const key of ['Hostname', 'Domainname']) {
    const value = str(config, key, W);
    if (value && !HOSTNAME.test(value)) throw badRequest(`invalid ${key} ${JSON.stringify(value.slice(0, 40))}.`);
    if (value) out[key] = value;
  }
  const user = str(config, 'User', W);
  checkUser(user, image.user, policy, 'the container');
  if (user) out.User = user;
  checkWorkingDir(image.workingDir, 'the image\'s');
  const workingDir = str(config, 'WorkingDir', W);
  checkWorkingDir(workingDir, 'the container\'s');
  if (workingDir) out.WorkingDir = workingDir;

  for (const key of ['AttachStdin', 'AttachStdout', 'AttachStderr', 'Tty', 'OpenStdin', 'StdinOnce', 'NetworkDisabled']) out[key] = bool(config, key, W);
  if (bool(config, 'ArgsEscaped', W)) throw badRequest('ArgsEscaped is for Windows containers.');
  if (str(config, 'MacAddress', W)) throw forbidden('--mac-address', 'addresses are assigned by the lab\'s network', 'namespaces');
  if (!isZero(config.OnBuild)) throw badRequest('OnBuild belongs in a Dockerfile, not in a container config.');

  const ports = keySet(config, 'ExposedPorts', W);
  if (ports) {
    for (const port of ports) if (!/^[0-9]{1,5}(-[0-9]{1,5})?(\/(tcp|udp|sctp))?$/.test(port)) throw badRequest(`invalid exposed port ${JSON.stringify(port.slice(0, 20))}.`);
    out.ExposedPorts = Object.fromEntries(ports.map((p) => [p, {}]));
  }
  const env = strList(config, 'Env', W);
  if (env) {
    for (const entry of env) if (entry.startsWith('=') || entry === '') throw badRequest('invalid environment variable.');
    out.Env = env;
  }
  for (const key of ['Cmd', 'Entrypoint', 'Shell']) {
    const value = strList(config, key, W, { acceptString: key !== 'Shell' });
    if (value) out[key] = value;
  }
  const healthcheck = checkHealthcheck(config.Healthcheck);
  if (healthcheck) out.Healthcheck = healthcheck;
  const volumes = keySet(config, 'Volumes', W);
  if (volumes) {
    for (const path of volumes) {
      checkContainerPath(path, 'the volume path');
      if (isKernelPath(path)) throw forbidden(`a volume at ${path}`, 'volumes over /proc, /sys or /dev hide the kernel\'s protections from the runtime (runc CVE-2019-19921)', 'threats');
    }
    out.Volumes = Object.fromEntries(volumes.map((p) => [p, {}]));
  }
  out.Labels = checkLabels(strMap(config, 'Labels', W));
  const stopSignal = str(config, 'StopSignal', W);
  if (stopSignal) {
    if (!SIGNAL.test(stopSignal)) throw badRequest(`invalid stop signal ${JSON.stringify(stopSignal.slice(0, 20))}.`);
    out.StopSignal = stopSignal;
  }
  const stopTimeout = int(config, 'StopTimeout', W);
  if (stopTimeout !== undefined) {
    if (stopTimeout < -1 || stopTimeout > MAX_STOP_TIMEOUT_S) throw badRequest(`StopTimeout must be between -1 and ${MAX_STOP_TIMEOUT_S}.`);
    out.StopTimeout = stopTimeout;
  }

  const hc = config.HostConfig === undefined || config.HostConfig === null ? ({} as JsonObject) : requireObject(config.HostConfig, 'HostConfig');
  const H = 'HostConfig';
  checkKeys(hc, HOST_CONFIG_KEYS, H);
  for (const [key, what, why, lesson] of MUST_BE_EMPTY) if (!isZero(hc[key])) throw forbidden(what, why, lesson);
  for (const key of ['MaskedPaths', 'ReadonlyPaths']) {
    // An empty list is not "default": it unmasks every path (what --security-opt systempaths=unconfined sends).
    if (hc[key] !== undefined && hc[key] !== null) throw forbidden(`setting ${key}`, 'the runtime masks /proc and /sys files such as /proc/kcore and /proc/sysrq-trigger, and making them visible or writable exposes the host kernel', 'hardening');
  }
  const hostOut: JsonObject = {};

  const binds = strList(hc, 'Binds', H);
  if (binds?.length) hostOut.Binds = await checkBinds(binds, lookups);
  const mounts = list(hc, 'Mounts', H);
  if (mounts?.length) hostOut.Mounts = await checkMounts(mounts, lookups, policy);
  const tmpfs = strMap(hc, 'Tmpfs', H);
  if (tmpfs && Object.keys(tmpfs).length) hostOut.Tmpfs = checkTmpfs(tmpfs, policy);
  const volumeDriver = str(hc, 'VolumeDriver', H);
  if (volumeDriver && volumeDriver !== 'local') throw forbidden(`--volume-driver ${volumeDriver}`, 'volume plugins run with the daemon\'s privileges and can mount anything from the host', 'daemon');
  const volumesFrom = strList(hc, 'VolumesFrom', H);
  if (volumesFrom?.length) {
    hostOut.VolumesFrom = [];
    for (const entry of volumesFrom) {
      const [ref = '', mode, extra] = entry.split(':');
      if (extra !== undefined || (mode !== undefined && !['ro', 'rw'].includes(mode))) throw badRequest(`invalid --volumes-from ${JSON.stringify(entry.slice(0, 60))}.`);
      const target = await lookups.container(ref);
      (hostOut.VolumesFrom as string[]).push(mode ? `${target.id}:${mode}` : target.id);
    }
  }

  const log = hc.LogConfig === undefined || hc.LogConfig === null ? ({} as JsonObject) : requireObject(hc.LogConfig, 'HostConfig.LogConfig');
  checkKeys(log, ['Type', 'Config'], 'HostConfig.LogConfig');
  const logType = str(log, 'Type', H);
  if (logType && !['json-file', 'local'].includes(logType)) throw forbidden(`the ${logType} log driver`, 'logging drivers such as syslog, gelf or fluentd make the daemon connect to addresses you choose, from the host', 'daemon');
  if (!isZero(log.Config)) throw forbidden('log driver options', 'the lab fixes log rotation at 1 MiB so that logs cannot fill the host\'s disk', 'cgroups');
  hostOut.LogConfig = { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '1' } };

  // Networking: the default network is the session's own; host and foreign containers are refused.
  const networkMode = str(hc, 'NetworkMode', H);
  const endpointsIn = (() => {
    const nc = config.NetworkingConfig;
    if (nc === undefined || nc === null) return {} as JsonObject;
    const obj = requireObject(nc, 'NetworkingConfig');
    checkKeys(obj, ['EndpointsConfig'], 'NetworkingConfig');
    return obj.EndpointsConfig === undefined || obj.EndpointsConfig === null ? ({} as JsonObject) : requireObject(obj.EndpointsConfig, 'NetworkingConfig.EndpointsConfig');
  })();
  const endpointsOut: JsonObject = {};
  if (networkMode === 'host') throw forbidden('--network host', 'the host\'s network namespace gives the container every host interface and every service listening on localhost', 'namespaces');
  if (networkMode === 'none') {
    hostOut.NetworkMode = 'none';
    if (Object.keys(endpointsIn).length) throw badRequest('a container with --network none joins no network.');
  } else if (networkMode.startsWith('container:')) {
    hostOut.NetworkMode = `container:${(await lookups.container(networkMode.slice('container:'.length))).id}`;
    if (Object.keys(endpointsIn).length) throw badRequest('a container sharing another\'s network joins no network itself.');
  } else {
    const primary = networkMode === '' || networkMode === 'default' ? 'bridge' : networkMode;
    const network = await lookups.network(primary);
    hostOut.NetworkMode = network.engineName;
    for (const [key, value] of Object.entries(endpointsIn)) {
      const target = await lookups.network(key === 'default' ? 'bridge' : key);
      endpointsOut[target.engineName] = await checkEndpoint(value, `NetworkingConfig.EndpointsConfig[${JSON.stringify(key)}]`, lookups);
    }
    if (name) {
      const endpoint = (endpointsOut[network.engineName] ?? {}) as JsonObject;
      const aliases = Array.isArray(endpoint.Aliases) ? endpoint.Aliases : [];
      endpointsOut[network.engineName] = { ...endpoint, Aliases: aliases.includes(name) ? aliases : [...aliases, name] };
    }
  }
  if (Object.keys(endpointsOut).length) out.NetworkingConfig = { EndpointsConfig: endpointsOut };
  const links = strList(hc, 'Links', H);
  if (links?.length) hostOut.Links = await checkLinks(links, lookups);

  hostOut.PidMode = await checkNamespaceMode(str(hc, 'PidMode', H), '--pid', [''], lookups, 'namespaces');
  hostOut.IpcMode = await checkNamespaceMode(str(hc, 'IpcMode', H), '--ipc', ['', 'private', 'shareable', 'none'], lookups, 'namespaces');
  hostOut.UTSMode = await checkNamespaceMode(str(hc, 'UTSMode', H), '--uts', [''], lookups, 'namespaces');
  const userns = str(hc, 'UsernsMode', H);
  if (userns) throw forbidden(`--userns ${userns.slice(0, 30)}`, 'leaving the daemon\'s user namespace setting makes uid 0 in the container uid 0 on the host', 'user-namespaces');
  const cgroupns = str(hc, 'CgroupnsMode', H);
  if (cgroupns === 'host') throw forbidden('--cgroupns host', 'the host\'s cgroup namespace shows the container the host\'s whole cgroup tree', 'cgroups');
  if (cgroupns && cgroupns !== 'private') throw badRequest(`invalid --cgroupns ${JSON.stringify(cgroupns.slice(0, 20))}.`);
  if (cgroupns) hostOut.CgroupnsMode = cgroupns;

  const runtime = str(hc, 'Runtime', H);
  if (runtime && runtime !== 'runc') throw forbidden(`--runtime ${runtime.slice(0, 30)}`, 'runtimes are the operator\'s choice; another runtime may confine less', 'daemon');
  const isolation = str(hc, 'Isolation', H);
  if (isolation && isolation !== 'default') throw badRequest('--isolation applies to Windows only.');

  Object.assign(hostOut, checkCaps(strList(hc, 'CapAdd', H) ?? [], strList(hc, 'CapDrop', H) ?? [], policy));
  hostOut.SecurityOpt = checkSecurityOpt(strList(hc, 'SecurityOpt', H) ?? [], policy);
  hostOut.ReadonlyRootfs = bool(hc, 'ReadonlyRootfs', H);
  hostOut.Init = hc.Init === undefined || hc.Init === null ? null : bool(hc, 'Init', H);
  hostOut.AutoRemove = bool(hc, 'AutoRemove', H);
  const consoleSize = hc.ConsoleSize;
  if (Array.isArray(consoleSize) && consoleSize.length === 2 && consoleSize.every((n) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 && n < 10_000)) {
    hostOut.ConsoleSize = consoleSize;
  } else if (!isZero(consoleSize) && !(Array.isArray(consoleSize) && consoleSize.every((n) => n === 0))) {
    throw badRequest('HostConfig.ConsoleSize must be [height, width].');
  }

  const restart = hc.RestartPolicy === undefined || hc.RestartPolicy === null ? ({} as JsonObject) : requireObject(hc.RestartPolicy, 'HostConfig.RestartPolicy');
  checkKeys(restart, ['Name', 'MaximumRetryCount'], 'HostConfig.RestartPolicy');
  const restartName = str(restart, 'Name', H) || 'no';
  const retries = int(restart, 'MaximumRetryCount', H) ?? 0;
  if (!['no', 'always', 'unless-stopped', 'on-failure'].includes(restartName) || retries < 0 || retries > 10) throw badRequest('invalid restart policy (no, always, unless-stopped, or on-failure with at most 10 retries).');
  hostOut.RestartPolicy = { Name: restartName, MaximumRetryCount: retries };

  const oomScoreAdj = int(hc, 'OomScoreAdj', H) ?? 0;
  if (oomScoreAdj < 0 || oomScoreAdj > 1000) throw forbidden(`--oom-score-adj ${oomScoreAdj}`, 'a negative score makes the kernel kill the host\'s processes before the container\'s', 'cgroups');
  if (oomScoreAdj) hostOut.OomScoreAdj = oomScoreAdj;

  // Resources: a learner's value within the cap, or the cap.
  const memory = limit(int(hc, 'Memory', H), policy.memoryBytesMax, '--memory', mib);
  if (memory < MIN_MEMORY_BYTES) throw badRequest('Minimum memory limit allowed is 6MB.');
  hostOut.Memory = memory;
  const swap = int(hc, 'MemorySwap', H) ?? 0;
  if (swap === -1 || (swap !== 0 && (swap < memory || swap > policy.memoryBytesMax))) {
    throw forbidden(`--memory-swap ${swap === -1 ? '-1' : mib(swap)}`, `swap lets a container use the host's disk as memory beyond its limit; the lab allows memory plus swap up to ${mib(policy.memoryBytesMax)}`, 'cgroups');
  }
  hostOut.MemorySwap = swap || memory;
  const reservation = int(hc, 'MemoryReservation', H) ?? 0;
  if (reservation < 0 || reservation > memory) throw badRequest('--memory-reservation must not exceed --memory.');
  if (reservation) hostOut.MemoryReservation = reservation;
  const swappiness = int(hc, 'MemorySwappiness', H);
  if (swappiness !== undefined) {
    if (swappiness < -1 || swappiness > 100) throw badRequest('--memory-swappiness must be between 0 and 100.');
    hostOut.MemorySwappiness = swappiness;
  }
  const pids = int(hc, 'PidsLimit', H);
  hostOut.PidsLimit = limit(pids === -1 ? undefined : pids, policy.pidsMax, '--pids-limit', (n) => `${n} processes`);
  const nanoCpus = int(hc, 'NanoCpus', H) ?? 0;
  const period = int(hc, 'CpuPeriod', H) ?? 0;
  const cpuQuota = int(hc, 'CpuQuota', H) ?? 0;
  if (period || cpuQuota) {
    if (nanoCpus) throw badRequest('Conflicting options: Nano CPUs and CPU Period cannot both be set.');
    const effectivePeriod = period || 100_000;
    if (cpuQuota <= 0 || period < 0 || (cpuQuota / effectivePeriod) * 1e9 > policy.nanoCpusMax) {
      throw forbidden('--cpu-quota/--cpu-period beyond the lab\'s cap', `the lab caps every container at ${cpus(policy.nanoCpusMax)}`, 'cgroups');
    }
    hostOut.CpuQuota = cpuQuota;
    if (period) hostOut.CpuPeriod = period;
  } else {
    hostOut.NanoCpus = limit(nanoCpus, policy.nanoCpusMax, '--cpus', cpus);
  }
  const shares = int(hc, 'CpuShares', H) ?? 0;
  if (shares < 0 || shares > 1024) throw forbidden(`--cpu-shares ${shares}`, 'more than the default weight of 1024 takes CPU from other learners', 'cgroups');
  if (shares) hostOut.CpuShares = shares;
  const blkio = int(hc, 'BlkioWeight', H) ?? 0;
  if (blkio < 0 || blkio > 500) throw forbidden(`--blkio-weight ${blkio}`, 'more than the default weight of 500 takes disk time from other learners', 'cgroups');
  if (blkio) hostOut.BlkioWeight = blkio;
  const shm = int(hc, 'ShmSize', H) ?? 0;
  if (shm < 0 || shm > policy.tmpfsBytesMax) throw forbidden(`--shm-size ${mib(shm)}`, `/dev/shm lives in memory; the lab allows ${mib(policy.tmpfsBytesMax)}`, 'cgroups');
  if (shm) hostOut.ShmSize = shm;
  hostOut.Ulimits = checkUlimits(list(hc, 'Ulimits', H));

  out.HostConfig = hostOut;
  return { body: out, warnings };
}


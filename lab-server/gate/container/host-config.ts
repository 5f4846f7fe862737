/**
 * The HostConfig fields that are about the container's life rather than its walls: logging (json-file,
 * rotated at 1 MiB, so logs cannot fill the host's disk; other drivers connect out from the host),
 * restart policy, init, auto-remove, read-only root and console size. Also the list of HostConfig
 * fields the gate knows: any other is refused.
 */
import { bool, checkKeys, int, isConsoleSize, isZero, requireObject, str } from '../fields.ts';
import { badRequest, forbidden } from '../refusal.ts';
import type { JsonObject } from '../strict-json.ts';

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

const RESTART_POLICIES = ['no', 'always', 'unless-stopped', 'on-failure'];
const MAX_RESTART_RETRIES = 10;

/** The config's HostConfig (empty when absent), every key known. */
export function hostConfigOf(config: JsonObject): JsonObject {
  const hc = config.HostConfig === undefined || config.HostConfig === null ? ({} as JsonObject) : requireObject(config.HostConfig, 'HostConfig');
  checkKeys(hc, HOST_CONFIG_KEYS, 'HostConfig');
  return hc;
}

/** `--log-driver json-file|local` without options; always json-file with the lab's rotation. */
export function checkLogConfig(hc: JsonObject): JsonObject {
  const log = hc.LogConfig === undefined || hc.LogConfig === null ? ({} as JsonObject) : requireObject(hc.LogConfig, 'HostConfig.LogConfig');
  checkKeys(log, ['Type', 'Config'], 'HostConfig.LogConfig');
  const logType = str(log, 'Type', 'HostConfig');
  if (logType && !['json-file', 'local'].includes(logType)) throw forbidden(`the ${logType} log driver`, 'logging drivers such as syslog, gelf or fluentd make the daemon connect to addresses you choose, from the host', 'daemon');
  if (!isZero(log.Config)) throw forbidden('log driver options', 'the lab fixes log rotation at 1 MiB so that logs cannot fill the host\'s disk', 'cgroups');
  return { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '1' } };
}

/** `--read-only`, `--init`, `--rm` and the console size, rebuilt into `out`. */
export function checkProcessFlags(hc: JsonObject, out: JsonObject): void {
  const H = 'HostConfig';
  out.ReadonlyRootfs = bool(hc, 'ReadonlyRootfs', H);
  out.Init = hc.Init === undefined || hc.Init === null ? null : bool(hc, 'Init', H);
  out.AutoRemove = bool(hc, 'AutoRemove', H);
  const consoleSize = hc.ConsoleSize;
  if (isConsoleSize(consoleSize)) out.ConsoleSize = consoleSize;
  else if (!isZero(consoleSize) && !(Array.isArray(consoleSize) && consoleSize.every((n) => n === 0))) throw badRequest('HostConfig.ConsoleSize must be [height, width].');
}

/** `--restart`: the engine's policies, with at most 10 retries. */
export function checkRestartPolicy(hc: JsonObject): JsonObject {
  const restart = hc.RestartPolicy === undefined || hc.RestartPolicy === null ? ({} as JsonObject) : requireObject(hc.RestartPolicy, 'HostConfig.RestartPolicy');
  checkKeys(restart, ['Name', 'MaximumRetryCount'], 'HostConfig.RestartPolicy');
  const name = str(restart, 'Name', 'HostConfig') || 'no';
  const retries = int(restart, 'MaximumRetryCount', 'HostConfig') ?? 0;
  if (!RESTART_POLICIES.includes(name) || retries < 0 || retries > MAX_RESTART_RETRIES) throw badRequest('invalid restart policy (no, always, unless-stopped, or on-failure with at most 10 retries).');
  return { Name: name, MaximumRetryCount: retries };
}

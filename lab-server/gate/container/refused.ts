/**
 * HostConfig fields the lab refuses unless empty (null, false, 0, "", [] and {} all mean "not set" to the
 * engine), each with the flag a learner typed, why it is dangerous and the lesson that explains it:
 * privileged mode, published ports, host devices, kernel parameters, leaving the limits' cgroup, DNS
 * and host entries, supplementary groups, real-time and pinned CPUs, per-device I/O, Windows-only
 * settings. MaskedPaths and ReadonlyPaths are refused whenever present: an empty list unmasks /proc.
 */
import { isZero } from '../fields.ts';
import { forbidden, type Lesson } from '../refusal.ts';
import type { JsonObject } from '../strict-json.ts';

/** Fields the lab refuses unless empty, with the reason and the lesson. */
const MUST_BE_EMPTY: ReadonlyArray<readonly [string, string, string, Lesson]> = [
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

export function checkRefusedFields(hc: JsonObject): void {
  for (const [key, what, why, lesson] of MUST_BE_EMPTY) if (!isZero(hc[key])) throw forbidden(what, why, lesson);
  for (const key of ['MaskedPaths', 'ReadonlyPaths']) {
    // An empty list is not "default": it unmasks every path (what --security-opt systempaths=unconfined sends).
    if (hc[key] !== undefined && hc[key] !== null) throw forbidden(`setting ${key}`, 'the runtime masks /proc and /sys files such as /proc/kcore and /proc/sysrq-trigger, and making them visible or writable exposes the host kernel', 'hardening');
  }
}

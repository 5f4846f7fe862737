/**
 * The container's confinement: seccomp, AppArmor, SELinux and /proc masking stay as the engine sets them
 * (only no-new-privileges may be asked for, and it is forced unless the lesson allows root); capabilities
 * may be dropped freely and added only from the policy's allowlist; the pid, ipc, uts, user and cgroup
 * namespaces stay the container's own or join one of the session's containers, never the host's; the
 * runtime is the operator's (runc).
 */
import type { GatePolicy } from '../policy.ts';
import { str } from '../fields.ts';
import { badRequest, forbidden } from '../refusal.ts';
import type { JsonObject } from '../strict-json.ts';
import type { CreateLookups } from './lookups.ts';

const SECURITY_OPT_WHY: Record<string, string> = {
  seccomp: 'the default seccomp profile blocks the system calls most kernel exploits start with; a custom or unconfined profile lifts that',
  apparmor: 'the AppArmor profile confines what the container may touch even as root',
  label: 'SELinux labels keep the container\'s processes from the host\'s files',
  systempaths: 'unconfined system paths expose /proc and /sys files that the runtime masks for good reason',
};

/** `--security-opt`: no-new-privileges only; the result always has it unless root is allowed and it was not asked for. */
export function checkSecurityOpt(options: string[], policy: GatePolicy): string[] {
  let nnp = false;
  for (const option of options) {
    const normalized = option.replace('=', ':');
    if (/^no-new-privileges(:(true|false))?$/.test(normalized)) {
      if (normalized !== 'no-new-privileges:false') nnp = true;
      continue;
    }
    const kind = normalized.split(':')[0] ?? '';
    throw forbidden(`--security-opt ${option.slice(0, 60)}`, SECURITY_OPT_WHY[kind] ?? 'only no-new-privileges is available', 'hardening');
  }
  return nnp || !policy.allowRoot ? ['no-new-privileges:true'] : [];
}

function normalizeCap(cap: string): string {
  const upper = cap.toUpperCase();
  return upper.startsWith('CAP_') ? upper.slice(4) : upper;
}

function checkCapName(cap: string): void {
  if (!/^[A-Z_]{2,32}$/.test(cap)) throw badRequest(`unknown capability ${JSON.stringify(cap.slice(0, 40))}.`);
}

/** The capabilities the container will hold: Docker's default set, minus drops, plus adds from the allowlist. */
export function checkCaps(add: string[], drop: string[], policy: GatePolicy): { CapAdd: string[]; CapDrop: string[] } {
  const adds = add.map(normalizeCap);
  const drops = drop.map(normalizeCap);
  for (const cap of adds) {
    if (cap === 'ALL') throw forbidden('--cap-add ALL', 'every capability together is as good as --privileged: CAP_SYS_ADMIN alone mounts filesystems and escapes through cgroups (CVE-2022-0492)', 'capabilities');
    checkCapName(cap);
    if (!policy.capAllowlist.includes(cap)) {
      throw forbidden(`--cap-add ${cap}`, `each capability is a slice of root's power over the kernel; this lab allows adding ${policy.capAllowlist.join(', ') || 'none'}`, 'capabilities');
    }
  }
  for (const cap of drops) checkCapName(cap);
  return { CapAdd: adds, CapDrop: drops };
}

/** `--pid`, `--ipc`, `--uts`: the modes in `allowed`, or `container:<ref>` of the session's own; never `host`. */
async function namespaceMode(value: string, flag: string, allowed: readonly string[], lookups: CreateLookups): Promise<string> {
  if (allowed.includes(value)) return value;
  if (value === 'host') throw forbidden(`${flag}=host`, `sharing the host's ${flag.replace('--', '')} namespace removes the wall between the container and the host`, 'namespaces');
  if (value.startsWith('container:')) return `container:${(await lookups.container(value.slice('container:'.length))).id}`;
  throw badRequest(`invalid ${flag} value ${JSON.stringify(value.slice(0, 40))}.`);
}

/** The namespace and runtime fields of HostConfig, rebuilt into `out`. */
export async function checkNamespaces(hc: JsonObject, out: JsonObject, lookups: CreateLookups): Promise<void> {
  const H = 'HostConfig';
  out.PidMode = await namespaceMode(str(hc, 'PidMode', H), '--pid', [''], lookups);
  out.IpcMode = await namespaceMode(str(hc, 'IpcMode', H), '--ipc', ['', 'private', 'shareable', 'none'], lookups);
  out.UTSMode = await namespaceMode(str(hc, 'UTSMode', H), '--uts', [''], lookups);
  const userns = str(hc, 'UsernsMode', H);
  if (userns) throw forbidden(`--userns ${userns.slice(0, 30)}`, 'leaving the daemon\'s user namespace setting makes uid 0 in the container uid 0 on the host', 'user-namespaces');
  const cgroupns = str(hc, 'CgroupnsMode', H);
  if (cgroupns === 'host') throw forbidden('--cgroupns host', 'the host\'s cgroup namespace shows the container the host\'s whole cgroup tree', 'cgroups');
  if (cgroupns && cgroupns !== 'private') throw badRequest(`invalid --cgroupns ${JSON.stringify(cgroupns.slice(0, 20))}.`);
  if (cgroupns) out.CgroupnsMode = cgroupns;
  const runtime = str(hc, 'Runtime', H);
  if (runtime && runtime !== 'runc') throw forbidden(`--runtime ${runtime.slice(0, 30)}`, 'runtimes are the operator\'s choice; another runtime may confine less', 'daemon');
  const isolation = str(hc, 'Isolation', H);
  if (isolation && isolation !== 'default') throw badRequest('--isolation applies to Windows only.');
}

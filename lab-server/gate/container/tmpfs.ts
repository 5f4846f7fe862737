/**
 * tmpfs, from `--tmpfs` or `--mount type=tmpfs`: memory-backed, so sized within the policy's cap (the cap
 * when unset), always nosuid,nodev and never exec; only size, mode, uid, gid and plain flags pass.
 */
import type { GatePolicy } from '../policy.ts';
import { checkKeys, int, isZero, requireObject, str } from '../fields.ts';
import { badRequest, forbidden } from '../refusal.ts';
import type { JsonObject } from '../strict-json.ts';
import { checkMountTarget } from './mount-target.ts';

const TMPFS_UNITS = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 } as const;

/** The tmpfs part of a `--mount type=tmpfs`; `base` holds the fields every mount has. */
export function tmpfsMount(mount: JsonObject, base: JsonObject, where: string, policy: GatePolicy): JsonObject {
  if (str(mount, 'Source', where) !== '') throw badRequest(`${where}: a tmpfs mount has no Source.`);
  if (!isZero(mount.VolumeOptions)) throw badRequest(`${where}: VolumeOptions on a tmpfs mount.`);
  const to = mount.TmpfsOptions === undefined || mount.TmpfsOptions === null ? ({} as JsonObject) : requireObject(mount.TmpfsOptions, `${where}.TmpfsOptions`);
  checkKeys(to, ['SizeBytes', 'Mode', 'Options'], `${where}.TmpfsOptions`);
  if (!isZero(to.Options)) throw forbidden('raw tmpfs options', 'only size and mode are available', 'hardening');
  const size = int(to, 'SizeBytes', where) ?? 0;
  if (size < 0 || size > policy.tmpfsBytesMax) throw forbidden(`a tmpfs of ${size} bytes`, `tmpfs lives in memory; the lab allows ${policy.tmpfsBytesMax} bytes per mount`, 'cgroups');
  const mode = int(to, 'Mode', where) ?? 0;
  if (mode < 0 || mode > 0o7777) throw badRequest(`${where}: invalid tmpfs mode.`);
  return { ...base, TmpfsOptions: { SizeBytes: size || policy.tmpfsBytesMax, ...(mode ? { Mode: mode } : {}) } };
}

/** `--tmpfs /path:options`. */
export function checkTmpfs(tmpfs: Record<string, string>, policy: GatePolicy): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, options] of Object.entries(tmpfs)) {
    checkMountTarget(path, 'tmpfs');
    const kept: string[] = [];
    let size = policy.tmpfsBytesMax;
    for (const option of options.split(',').filter(Boolean)) {
      const [key = '', value] = option.split('=');
      if (key === 'size' && value !== undefined) {
        const match = /^([0-9]{1,12})([kmg]?)$/i.exec(value);
        if (!match) throw badRequest(`invalid tmpfs size ${JSON.stringify(value)}.`);
        size = Number(match[1]) * TMPFS_UNITS[match[2]!.toLowerCase() as keyof typeof TMPFS_UNITS];
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


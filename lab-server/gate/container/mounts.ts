/**
 * What a container may mount: named volumes of the session (created with labels on first use), tmpfs
 * (container/tmpfs.ts), and `--volumes-from` the session's own containers. Host paths, bind mounts,
 * volume drivers and their options, subpaths and mount propagation are refused: each hands the
 * container the host's own files. Every target passes container/mount-target.ts.
 */
import type { GatePolicy } from '../policy.ts';
import { bool, checkKeys, isZero, list, requireObject, str, strList, strMap } from '../fields.ts';
import { learnerLabels } from '../learner-labels.ts';
import { badRequest, forbidden } from '../refusal.ts';
import type { JsonObject, JsonValue } from '../strict-json.ts';
import type { CreateLookups } from './lookups.ts';
import { checkMountTarget } from './mount-target.ts';
import { checkTmpfs, tmpfsMount } from './tmpfs.ts';

const BIND_WHY = 'a bind mount hands the container the host\'s own files; mounting / or /var/run/docker.sock is root on the host.';

/** `-v name:/path[:ro|rw|nocopy]`: named volumes only, rewritten to the session's engine names. */
async function checkBinds(binds: string[], lookups: CreateLookups): Promise<string[]> {
  const out: string[] = [];
  for (const bind of binds) {
    const parts = bind.split(':');
    if (parts.length < 2 || parts.length > 3) throw badRequest(`invalid volume specification: ${JSON.stringify(bind.slice(0, 80))}`);
    const [source = '', target = '', mode = ''] = parts;
    if (source.startsWith('/') || source.includes('/') || source.startsWith('.') || source.startsWith('~')) {
      throw forbidden(`mounting the host path ${JSON.stringify(source.slice(0, 60))}`, `${BIND_WHY} Use a named volume instead: \`-v data:/data\``, 'daemon');
    }
    checkMountTarget(target, 'bind');
    const modes = mode ? mode.split(',') : [];
    for (const m of modes) {
      if (!['ro', 'rw', 'nocopy'].includes(m)) throw forbidden(`the mount option "${m}"`, 'only ro, rw and nocopy are available; relabelling and mount propagation reach into the host\'s mount table', 'namespaces');
    }
    out.push([await lookups.volume(source), target, ...(modes.length ? [modes.join(',')] : [])].join(':'));
  }
  return out;
}

async function volumeMount(mount: JsonObject, base: JsonObject, where: string, lookups: CreateLookups): Promise<JsonObject> {
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
    const labels = learnerLabels(strMap(vo, 'Labels', where));
    if (Object.keys(labels).length) options.Labels = labels;
  }
  return { ...base, ...(source ? { Source: await lookups.volume(source) } : {}), ...(Object.keys(options).length ? { VolumeOptions: options } : {}) };
}

/** `--mount`: volume and tmpfs mounts; bind, npipe and cluster mounts are refused. */
async function checkMounts(mounts: JsonValue[], lookups: CreateLookups, policy: GatePolicy): Promise<JsonObject[]> {
  const out: JsonObject[] = [];
  for (const [i, raw] of mounts.entries()) {
    const where = `HostConfig.Mounts[${i}]`;
    const mount = requireObject(raw, where);
    checkKeys(mount, ['Type', 'Source', 'Target', 'ReadOnly', 'Consistency', 'BindOptions', 'VolumeOptions', 'TmpfsOptions', 'ClusterOptions'], where);
    const type = str(mount, 'Type', where);
    const target = str(mount, 'Target', where);
    checkMountTarget(target, 'mount');
    if (!isZero(mount.ClusterOptions) || !isZero(mount.BindOptions)) throw forbidden('bind and cluster mount options', 'bind mounts of host paths are not available', 'daemon');
    const base: JsonObject = { Type: type, Target: target, ReadOnly: bool(mount, 'ReadOnly', where) };
    const consistency = str(mount, 'Consistency', where);
    if (consistency) base.Consistency = consistency;
    if (type === 'volume') out.push(await volumeMount(mount, base, where, lookups));
    else if (type === 'tmpfs') out.push(tmpfsMount(mount, base, where, policy));
    else if (type === 'bind') throw forbidden(`a bind mount of ${JSON.stringify(str(mount, 'Source', where).slice(0, 60))}`, `${BIND_WHY} Use a named volume or --tmpfs`, 'daemon');
    else throw forbidden(`a mount of type ${JSON.stringify(type.slice(0, 20))}`, 'only volume and tmpfs mounts are available', 'daemon');
  }
  return out;
}

/** `--volumes-from ref[:ro|rw]`: the session's own containers, by full id. */
async function checkVolumesFrom(entries: string[], lookups: CreateLookups): Promise<string[]> {
  const out: string[] = [];
  for (const entry of entries) {
    const [ref = '', mode, extra] = entry.split(':');
    if (extra !== undefined || (mode !== undefined && !['ro', 'rw'].includes(mode))) throw badRequest(`invalid --volumes-from ${JSON.stringify(entry.slice(0, 60))}.`);
    const target = await lookups.container(ref);
    out.push(mode ? `${target.id}:${mode}` : target.id);
  }
  return out;
}

/** `--volume-driver`: the local driver only. */
function checkVolumeDriver(driver: string): void {
  if (driver && driver !== 'local') throw forbidden(`--volume-driver ${driver}`, 'volume plugins run with the daemon\'s privileges and can mount anything from the host', 'daemon');
}

/** `Config.Volumes` (anonymous volumes, `-v /data`): the paths only. */
export function checkVolumePaths(paths: string[]): JsonObject {
  for (const path of paths) checkMountTarget(path, 'volume');
  return Object.fromEntries(paths.map((p) => [p, {}]));
}

/** The storage fields of HostConfig (`-v`, `--mount`, `--tmpfs`, `--volume-driver`, `--volumes-from`), rebuilt into `out`. */
export async function checkStorage(hc: JsonObject, out: JsonObject, lookups: CreateLookups, policy: GatePolicy): Promise<void> {
  const H = 'HostConfig';
  const binds = strList(hc, 'Binds', H);
  if (binds?.length) out.Binds = await checkBinds(binds, lookups);
  const mounts = list(hc, 'Mounts', H);
  if (mounts?.length) out.Mounts = await checkMounts(mounts, lookups, policy);
  const tmpfs = strMap(hc, 'Tmpfs', H);
  if (tmpfs && Object.keys(tmpfs).length) out.Tmpfs = checkTmpfs(tmpfs, policy);
  checkVolumeDriver(str(hc, 'VolumeDriver', H));
  const volumesFrom = strList(hc, 'VolumesFrom', H);
  if (volumesFrom?.length) out.VolumesFrom = await checkVolumesFrom(volumesFrom, lookups);
}

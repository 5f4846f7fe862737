import { describe, expect, it } from 'vitest';
import { checkContainerCreate } from '../../lab-server/gate/handlers/container-create.ts';
import type { CreateLookups } from '../../lab-server/gate/container/lookups.ts';
import { buildGatePolicy } from '../../lab-server/gate/policy.ts';
import { GateRefusal, noSuchContainer } from '../../lab-server/gate/refusal.ts';
import { parseStrictJson, type JsonObject } from '../../lab-server/gate/strict-json.ts';

const MIB = 1024 * 1024;
const policy = buildGatePolicy({}, { memoryBytesMax: 256 * MIB, pidsMax: 100 });
const lookups: CreateLookups = {
  container: async (ref) => { if (ref !== 'db') throw noSuchContainer(ref); return { id: 'c'.repeat(64), engineName: 'bh-x-db' }; },
  network: async (ref) => ({ id: 'n'.repeat(64), engineName: ref === 'bridge' ? 'session-net' : `bh-x-${ref}` }),
  volume: async (name) => `bh-x-${name}`,
  image: async (ref) => ({ engineRef: ref, user: ref.startsWith('root') ? '' : '33:33', workingDir: '/' }),
};

async function create(body: object, p = policy, name?: string): Promise<JsonObject> {
  return checkContainerCreate(parseStrictJson(Buffer.from(JSON.stringify(body))), p, lookups, name);
}

async function refusal(body: object, p = policy): Promise<GateRefusal> {
  try {
    await create(body, p);
  } catch (error) {
    if (error instanceof GateRefusal) return error;
    throw error;
  }
  throw new Error(`expected a refusal of ${JSON.stringify(body)}`);
}

describe('container create policy', () => {
  it('fills in the lab\'s caps and joins the session network with the learner\'s name as alias', async () => {
    const out = await create({ Image: 'bulkhead/web:nginx-1.26', HostConfig: { NetworkMode: 'default' } }, policy, 'web');
    const hc = out.HostConfig as JsonObject;
    expect(hc).toMatchObject({ Memory: 256 * MIB, MemorySwap: 256 * MIB, PidsLimit: 100, NanoCpus: 500_000_000, NetworkMode: 'session-net' });
    expect(hc.Privileged).toBeUndefined();
    expect(hc.SecurityOpt).toEqual(['no-new-privileges:true']);
    expect(hc.LogConfig).toEqual({ Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '1' } });
    expect(out.NetworkingConfig).toEqual({ EndpointsConfig: { 'session-net': { Aliases: ['web'] } } });
  });

  it('keeps limits the learner sets below the caps', async () => {
    const hc = (await create({ Image: 'x', HostConfig: { Memory: 64 * MIB, PidsLimit: 50, NanoCpus: 250_000_000, ReadonlyRootfs: true, CapDrop: ['ALL'], CapAdd: ['NET_BIND_SERVICE'] } })).HostConfig as JsonObject;
    expect(hc).toMatchObject({ Memory: 64 * MIB, MemorySwap: 64 * MIB, PidsLimit: 50, NanoCpus: 250_000_000, ReadonlyRootfs: true, CapDrop: ['ALL'], CapAdd: ['NET_BIND_SERVICE'] });
  });

  it.each([
    [{ HostConfig: { Privileged: true } }, /privileged/],
    [{ Privileged: true }, /unknown field "Privileged"/],
    [{ Binds: ['/:/host'] }, /unknown field "Binds"/],
    [{ HostConfig: { privileged: true } }, /unknown field "privileged"/],
    [{ HostConfig: { Binds: ['/var/run/docker.sock:/var/run/docker.sock'] } }, /host path/],
    [{ HostConfig: { Mounts: [{ Type: 'bind', Source: '/', Target: '/host' }] } }, /bind mount/],
    [{ HostConfig: { Mounts: [{ Type: 'volume', Source: 'x', Target: '/x', VolumeOptions: { DriverConfig: { Name: 'local', Options: { type: 'none', o: 'bind', device: '/' } } } }] } }, /driver options/],
    [{ HostConfig: { Binds: ['data:/proc'] } }, /over \/proc/],
    [{ HostConfig: { MaskedPaths: [] } }, /MaskedPaths/],
    [{ HostConfig: { ReadonlyPaths: [] } }, /ReadonlyPaths/],
    [{ HostConfig: { SecurityOpt: ['seccomp=unconfined'] } }, /seccomp/],
    [{ HostConfig: { SecurityOpt: ['apparmor=unconfined'] } }, /AppArmor/],
    [{ HostConfig: { SecurityOpt: ['label=disable'] } }, /SELinux/],
    [{ HostConfig: { SecurityOpt: ['systempaths=unconfined'] } }, /system paths/],
    [{ HostConfig: { CapAdd: ['ALL'] } }, /cap-add ALL/],
    [{ HostConfig: { CapAdd: ['SYS_ADMIN'] } }, /SYS_ADMIN/],
    [{ HostConfig: { CapAdd: ['cap_sys_ptrace'] } }, /SYS_PTRACE/],
    [{ HostConfig: { PidMode: 'host' } }, /--pid=host/],
    [{ HostConfig: { IpcMode: 'host' } }, /--ipc=host/],
    [{ HostConfig: { UTSMode: 'host' } }, /--uts=host/],
    [{ HostConfig: { UsernsMode: 'host' } }, /userns/],
    [{ HostConfig: { NetworkMode: 'host' } }, /network host/],
    [{ HostConfig: { NetworkMode: 'container:other' } }, /No such container: other/],
    [{ HostConfig: { VolumesFrom: ['sandbox'] } }, /No such container: sandbox/],
    [{ HostConfig: { CgroupParent: '/' } }, /cgroup-parent/],
    [{ HostConfig: { Runtime: 'runsc-unsafe' } }, /runtime/],
    [{ HostConfig: { Devices: [{ PathOnHost: '/dev/sda', PathInContainer: '/dev/sda', CgroupPermissions: 'rwm' }] } }, /device/],
    [{ HostConfig: { DeviceRequests: [{ Count: -1 }] } }, /gpus/],
    [{ HostConfig: { DeviceCgroupRules: ['a *:* rwm'] } }, /device-cgroup-rule/],
    [{ HostConfig: { Sysctls: { 'kernel.core_pattern': '|/x' } } }, /sysctl/],
    [{ HostConfig: { PortBindings: { '80/tcp': [{ HostPort: '80' }] } } }, /publishing ports/],
    [{ HostConfig: { Memory: 4096 * MIB } }, /--memory/],
    [{ HostConfig: { MemorySwap: -1 } }, /memory-swap/],
    [{ HostConfig: { PidsLimit: 100_000 } }, /pids-limit/],
    [{ HostConfig: { NanoCpus: 4_000_000_000 } }, /--cpus/],
    [{ HostConfig: { VolumeDriver: 'evil' } }, /volume-driver/],
    [{ HostConfig: { LogConfig: { Type: 'syslog', Config: { 'syslog-address': 'tcp://169.254.169.254:80' } } } }, /syslog log driver/],
    [{ HostConfig: { Ulimits: [{ Name: 'memlock', Soft: -1, Hard: -1 }] } }, /ulimit memlock/],
    [{ HostConfig: { OomScoreAdj: -1000 } }, /oom-score-adj/],
    [{ HostConfig: { Dns: ['8.8.8.8'] } }, /dns/],
    [{ HostConfig: { ExtraHosts: ['host.docker.internal:host-gateway'] } }, /add-host/],
    [{ User: '0' }, /root/],
    [{ User: 'root' }, /root/],
    [{ User: 'nginx' }, /numeric uid/],
    [{ WorkingDir: '/proc/self/fd/8' }, /CVE-2024-21626/],
    [{ Labels: { 'bulkhead.session': 'other' } }, /bulkhead\.session/],
    [{ HostConfig: { Annotations: { 'run.oci.keep_original_groups': '1' } } }, /annotations/],
  ])('refuses %j', async (extra, message) => {
    const body = { Image: 'bulkhead/web:nginx-1.26', ...extra, HostConfig: { ...(extra as { HostConfig?: object }).HostConfig } };
    const error = await refusal(body);
    expect(error.message).toMatch(message);
    expect([400, 403, 404]).toContain(error.status);
  });

  it('refuses an image that runs as root unless the lab allows root', async () => {
    expect((await refusal({ Image: 'root-image' })).message).toMatch(/this image runs as root/);
    const out = await create({ Image: 'root-image', HostConfig: {} }, buildGatePolicy({ allowRoot: true }));
    expect((out.HostConfig as JsonObject).SecurityOpt).toEqual([]);
  });

  it('rewrites named volumes, --volumes-from and container: joins to the session\'s own objects', async () => {
    const hc = (await create({ Image: 'x', HostConfig: { Binds: ['data:/data:ro'], VolumesFrom: ['db:ro'], IpcMode: 'container:db' } })).HostConfig as JsonObject;
    expect(hc.Binds).toEqual(['bh-x-data:/data:ro']);
    expect(hc.VolumesFrom).toEqual([`${'c'.repeat(64)}:ro`]);
    expect(hc.IpcMode).toBe(`container:${'c'.repeat(64)}`);
  });

  it('forces nosuid,nodev and a size on every tmpfs', async () => {
    const hc = (await create({ Image: 'x', HostConfig: { Tmpfs: { '/tmp': 'rw,exec,size=16m' } } })).HostConfig as JsonObject;
    expect(hc.Tmpfs).toEqual({ '/tmp': `rw,nosuid,nodev,size=${16 * MIB}` });
  });
});

import { describe, expect, it } from 'vitest';
import { refusalOf } from '../helpers/refusal.ts';
import { checkMountTarget } from '../../lab-server/gate/container/mount-target.ts';
import { checkContainerCreate } from '../../lab-server/gate/handlers/container-create.ts';
import { buildGatePolicy } from '../../lab-server/gate/policy.ts';
import { parseStrictJson } from '../../lab-server/gate/strict-json.ts';

const lookups = {
  container: async () => ({ id: 'c'.repeat(64), engineName: 'bh-x-db' }),
  network: async () => ({ id: 'n'.repeat(64), engineName: 'session-net' }),
  volume: async (name: string) => `bh-x-${name}`,
  image: async (ref: string) => ({ engineRef: ref, user: '1000', workingDir: '/' }),
};

describe('the mount target rule', () => {
  it.each([
    ['bind', '/proc', 'Bulkhead lab: mounting over /proc is not allowed here: volumes over /proc, /sys or /dev hide the kernel\'s protections from the runtime (runc CVE-2019-19921) (lesson "threats").'],
    ['mount', '/sys/fs/cgroup', 'Bulkhead lab: mounting over /sys/fs/cgroup is not allowed here: mounts over /proc, /sys or /dev hide the kernel\'s protections from the runtime (runc CVE-2019-19921) (lesson "threats").'],
    ['tmpfs', '/dev', 'Bulkhead lab: a tmpfs over /dev is not allowed here: mounts over /proc, /sys or /dev hide the kernel\'s protections from the runtime (lesson "threats").'],
    ['volume', '/proc/sys', 'Bulkhead lab: a volume at /proc/sys is not allowed here: volumes over /proc, /sys or /dev hide the kernel\'s protections from the runtime (runc CVE-2019-19921) (lesson "threats").'],
  ] as const)('refuses a %s over %s in that kind\'s words, as a 403 POLICY refusal', (kind, path, message) => {
    const error = refusalOf(() => checkMountTarget(path, kind));
    expect(error.message).toBe(message);
    expect(error).toMatchObject({ code: 'POLICY', status: 403 });
  });

  it('allows /dev/shm and ordinary paths, and refuses non-canonical ones as bad requests', () => {
    expect(() => checkMountTarget('/dev/shm', 'tmpfs')).not.toThrow();
    expect(() => checkMountTarget('/data', 'bind')).not.toThrow();
    expect(() => checkMountTarget('/procfs', 'volume')).not.toThrow();
    expect(refusalOf(() => checkMountTarget('/data/../proc', 'mount'))).toMatchObject({ code: 'BAD_REQUEST', status: 400 });
    expect(refusalOf(() => checkMountTarget('/', 'bind'))).toMatchObject({ code: 'POLICY' });
  });

  it.each([
    [{ HostConfig: { Binds: ['data:/proc'] } }, /^Bulkhead lab: mounting over \/proc .*volumes over/],
    [{ HostConfig: { Mounts: [{ Type: 'volume', Source: 'v', Target: '/sys' }] } }, /^Bulkhead lab: mounting over \/sys .*mounts over/],
    [{ HostConfig: { Tmpfs: { '/dev/pts': '' } } }, /^Bulkhead lab: a tmpfs over \/dev\/pts/],
    [{ Volumes: { '/proc/1': {} } }, /^Bulkhead lab: a volume at \/proc\/1/],
  ])('is what every way of mounting goes through: %j', async (extra, message) => {
    const body = parseStrictJson(Buffer.from(JSON.stringify({ Image: 'bulkhead/web:nginx-1.26', ...extra })));
    await expect(checkContainerCreate(body, buildGatePolicy(), lookups)).rejects.toThrow(message);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxHandle } from '../../lab-server/runtime/sandbox-runtime.ts';
import { leftovers, shellImage, testRuntime, uniqueInstance } from '../helpers/docker.ts';

const instance = uniqueInstance('sandbox');
const runtime = testRuntime(instance);
let sandbox: SandboxHandle;

async function sh(script: string) {
  return runtime.exec(sandbox, ['bash', '-c', script]);
}

describe('a learner sandbox', () => {
  beforeAll(async () => {
    sandbox = await runtime.create({ session: 'confinement-test', lab: 'test', image: await shellImage(), expiresAt: Date.now() + 60_000 });
  });

  afterAll(async () => {
    await runtime.removeAll();
    expect(await leftovers(runtime, instance)).toBe(0);
  });

  it('runs as the non-root learner', async () => {
    const result = await sh('id -u; id -g; whoami');
    expect(result.stdout.split('\n').slice(0, 3)).toEqual(['1000', '1000', 'learner']);
  });

  it('has no effective, permitted or bounding capabilities', async () => {
    const result = await sh('grep -E "^Cap(Eff|Prm|Bnd)" /proc/self/status');
    expect(result.stdout).toMatch(/CapEff:\s+0{16}/);
    expect(result.stdout).toMatch(/CapPrm:\s+0{16}/);
    expect(result.stdout).toMatch(/CapBnd:\s+0{16}/);
  });

  it('cannot gain privileges: NoNewPrivs is set and no setuid binary exists', async () => {
    expect((await sh('grep NoNewPrivs /proc/self/status')).stdout).toMatch(/NoNewPrivs:\s+1/);
    expect((await sh('find / -xdev -perm /6000 -type f 2>/dev/null | wc -l')).stdout.trim()).toBe('0');
  });

  it('has a read-only root and writable, capped tmpfs for $HOME and /tmp', async () => {
    const root = await sh('touch /etc/owned 2>&1; echo "exit=$?"');
    expect(root.stdout).toMatch(/Read-only file system/);
    expect(root.stdout).toMatch(/exit=1/);
    const home = await sh('echo hi > ~/note && cat ~/note && echo ok > /tmp/x && cat /tmp/x');
    expect(home.stdout).toBe('hi\nok\n');
    const mounts = await sh('grep -E " (/tmp|/home/learner) " /proc/mounts');
    expect(mounts.stdout).toMatch(/\/tmp tmpfs rw,nosuid,nodev.*size=65536k/);
    expect(mounts.stdout).toMatch(/\/home\/learner tmpfs rw,nosuid,nodev.*size=65536k/);
  });

  it('has no network but loopback', async () => {
    const result = await sh('ls /sys/class/net');
    expect(result.stdout.trim()).toBe('lo');
  });

  it('is limited to 256 processes and 256 MiB, cgroup v1 or v2', async () => {
    const pids = await sh('cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max');
    expect(pids.stdout.trim()).toBe('256');
    const memory = await sh('cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes');
    expect(memory.stdout.trim()).toBe(String(256 * 1024 * 1024));
  });

  it('times out a command that runs too long', async () => {
    const result = await runtime.exec(sandbox, ['sleep', '30'], { timeoutMs: 300 });
    expect(result.timedOut).toBe(true);
  });

  it('removes the sandbox and everything labelled with this instance', async () => {
    const other = await runtime.create({ session: 'second', lab: 'test', image: await shellImage(), expiresAt: Date.now() + 60_000 });
    expect(await leftovers(runtime, instance)).toBe(2);
    await runtime.remove(other);
    await runtime.remove(other); // a second removal of a gone sandbox is not an error
    expect(await leftovers(runtime, instance)).toBe(1);
  });
});

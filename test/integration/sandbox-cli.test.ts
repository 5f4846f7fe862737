import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FIXTURE_CONTENT } from '../helpers/lab-server.ts';
import { leftovers, testRuntime } from '../helpers/docker.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; pid: number }> {
  const child = spawn(process.execPath, ['scripts/sandbox.ts', ...args], { cwd: ROOT, env: { ...process.env, CONTENT_DIR: FIXTURE_CONTENT } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr, pid: child.pid ?? 0 })));
}

describe('npm run sandbox', () => {
  it('lists the labs', async () => {
    const result = await run(['--list']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('demo\nother\n');
  });

  it('runs a command as the learner in the lab sandbox, relays output and exit status, and leaves nothing', async () => {
    const result = await run(['other', '--', 'sh', '-c', 'id -u; ls /sys/class/net | sort | tr "\\n" " "; echo; echo "$PATH"; exit 7']);
    expect(result.code).toBe(7);
    expect(result.stdout).toMatch(/^1000\r?\n/);
    expect(result.stdout).toMatch(/eth0 lo/); // the `other` lab asks for a session network
    // The learner's login PATH (Debian's /etc/profile adds the games folders, the image's profile.d the sbin ones).
    expect(result.stdout).toMatch(/^\/usr\/local\/bin:\/usr\/bin:\/bin:\/usr\/local\/games:\/usr\/games:.*\/usr\/sbin/m);
    const instance = `sandbox-${result.pid}`;
    const runtime = testRuntime(instance);
    expect(await leftovers(runtime, instance)).toBe(0);
    expect(await runtime.docker.listNetworks({ filters: { label: [`bulkhead.instance=${instance}`] } })).toHaveLength(0);
  });

  it('passes the command as an argv, as docker exec does: `sh -c \'exit 7\'` exits 7', async () => {
    const result = await run(['demo', '--', 'sh', '-c', 'exit 7']);
    expect(result.code).toBe(7);
  });

  it('keeps each argument whole: spaces, quotes, $ and globs arrive as one argument each, unexpanded', async () => {
    const result = await run(['demo', '--', 'printf', '<%s>\\n', `a b "c" 'd'`, '$HOME', '*']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`<a b "c" 'd'>\r\n<$HOME>\r\n<*>\r\n`); // a terminal, so \r\n
  });

  it('says so with exit 127 when the command does not exist in the sandbox', async () => {
    const result = await run(['demo', '--', 'no-such-command', 'arg']);
    expect(result.code).toBe(127);
    expect(result.stdout).toMatch(/no-such-command: not found/);
  });

  it('names the labs when the one asked for does not exist', async () => {
    const result = await run(['nope']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no lab called "nope".*demo, other/);
  });
});

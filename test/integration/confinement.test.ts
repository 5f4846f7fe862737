import { afterAll, describe, expect, it } from 'vitest';
import type { Socket } from 'node:net';
import { leftovers, uniqueInstance, testRuntime } from '../helpers/docker.ts';
import { FIXTURE_CONTENT, startTestServer } from '../helpers/lab-server.ts';
import { startServerProcess } from '../helpers/lab-server-process.ts';
import { TerminalClient } from '../helpers/terminal-client.ts';

const started: Array<Awaited<ReturnType<typeof startTestServer>>> = [];

afterAll(async () => {
  for (const s of started) {
    await s.server.close();
    expect(await leftovers(s.runtime, s.instance)).toBe(0);
  }
});

/** Measures one keystroke's round trip: type a character, wait for its echo. */
async function echoMs(client: TerminalClient, char: string): Promise<number> {
  const before = client.text().length;
  const t0 = performance.now();
  client.type(char);
  await client.until(() => client.text().slice(before).includes(char), `echo of ${char}`, 10_000);
  return performance.now() - t0;
}

describe('a sandbox under attack from its own learner', () => {
  it('stops a fork bomb at the pids limit while another session keeps echoing', async () => {
    const s = await startTestServer('forkbomb');
    started.push(s);
    const attacker = await TerminalClient.connect({ base: s.base, lab: 'demo' });
    const bystander = await TerminalClient.connect({ base: s.base, lab: 'demo' });
    await attacker.prompt();
    await bystander.prompt();
    attacker.type('bomb() { bomb | bomb & }; bomb\r');
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const id = (await attacker.ready()).session;
    const sandbox = s.server.sessions.get(id)?.sandboxHandle;
    const stats = await s.runtime.docker.getContainer(sandbox?.id ?? '').stats({ stream: false });
    expect(stats.pids_stats?.current ?? 0).toBeGreaterThan(100); // the bomb really ran…
    expect(stats.pids_stats?.current ?? 0).toBeLessThanOrEqual(256); // …and stopped at the limit
    const delays: number[] = [];
    for (const char of 'abcdefghij') delays.push(await echoMs(bystander, char));
    expect(Math.max(...delays)).toBeLessThan(2_000);
    bystander.type('\u0015echo bystander-ok\r');
    await bystander.waitForText(/^bystander-ok\r$/m);
    s.server.sessions.end(id);
    await s.server.sessions.settled();
    await attacker.close();
    await bystander.close();
  });

  it('kills a 1 GiB allocation inside the sandbox only; the shell survives', async () => {
    const s = await startTestServer('oom');
    started.push(s);
    const client = await TerminalClient.connect({ base: s.base, lab: 'demo' });
    await client.prompt();
    // tail -n 1 keeps the whole last line of newline-free input in memory: 1 GiB of it.
    client.type('head -c 1G /dev/zero | tail -n 1 > /dev/null; echo "status=$?"\r');
    await client.waitForText(/^status=\d+\r$/m, 60_000);
    const status = Number(/^status=(\d+)\r$/m.exec(client.text())?.[1]);
    expect(status).toBe(137); // SIGKILL from the OOM killer
    client.type('echo still-here\r');
    await client.waitForText(/^still-here\r$/m);
    await client.close();
  });

  it('pauses a flood of output for a slow reader and keeps other sessions responsive', async () => {
    const s = await startTestServer('slow');
    started.push(s);
    const slow = await TerminalClient.connect({ base: s.base, lab: 'demo' });
    const other = await TerminalClient.connect({ base: s.base, lab: 'demo' });
    const id = (await slow.ready()).session;
    await slow.prompt();
    await other.prompt();
    const socket = (slow.ws as unknown as { _socket: Socket })._socket;
    slow.type('base64 /dev/zero\r');
    await slow.until(() => slow.bytes().length > 100_000, 'output flowing');
    socket.pause();
    await expect.poll(() => s.server.sessions.get(id)?.outputPaused, { timeout: 15_000 }).toBe(true);
    // The operator sees it: a flow-control pause on /metrics.
    expect((await s.server.metrics.text()).body).toMatch(/^bulkhead_terminal_flow_pauses_total [1-9]\d*$/m);
    for (const char of 'xyz') expect(await echoMs(other, char)).toBeLessThan(1_000);
    socket.resume();
    await expect.poll(() => s.server.sessions.get(id)?.outputPaused, { timeout: 15_000 }).toBe(false);
    slow.type('\u0003');
    await slow.close();
    await other.close();
  });
});

describe('a lab-server killed with SIGKILL', () => {
  it('leaves sandboxes behind that the next start removes', async () => {
    const instance = uniqueInstance('kill9');
    const runtime = testRuntime(instance);
    const env = { BULKHEAD_INSTANCE: instance, CONTENT_DIR: FIXTURE_CONTENT, WARM_POOL_SIZE: '1' };
    const first = await startServerProcess(env);
    const client = await TerminalClient.connect({ base: first.url, lab: 'other' }); // with a session network
    await client.prompt();
    await expect.poll(() => leftovers(runtime, instance), { timeout: 20_000 }).toBeGreaterThanOrEqual(2); // session + warm pool
    first.process.kill('SIGKILL');
    await new Promise((resolve) => first.process.once('exit', resolve));
    expect(await leftovers(runtime, instance)).toBeGreaterThanOrEqual(2);
    const second = await startServerProcess({ ...env, WARM_POOL_SIZE: '0' });
    expect(await leftovers(runtime, instance)).toBe(0);
    expect(await runtime.docker.listNetworks({ filters: { label: [`bulkhead.instance=${instance}`] } })).toHaveLength(0);
    await second.stop();
  });
});

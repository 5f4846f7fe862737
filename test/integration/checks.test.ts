import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/lab-server.ts';
import { TerminalClient } from '../helpers/terminal-client.ts';
import type { ServerControl } from '../../src/lib/protocol.ts';

type Checks = Extract<ServerControl, { type: 'checks' }>;
const servers: Array<Awaited<ReturnType<typeof startTestServer>>> = [];

afterAll(async () => {
  for (const s of servers) await s.server.close().catch(() => undefined);
});

function checks(client: TerminalClient): Checks[] {
  return client.controls.filter((m): m is Checks => m.type === 'checks');
}

async function nextChecks(client: TerminalClient, after: number, predicate: (c: Checks) => boolean = () => true): Promise<Checks> {
  await client.until(() => checks(client).slice(after).some(predicate), 'check results', 15_000);
  return checks(client).slice(after).find(predicate) as Checks;
}

describe('exercise checks in a live session', () => {
  it('checks after each command without a button, with a specific message for a wrong attempt', async () => {
    const s = await startTestServer('checks');
    servers.push(s);
    const client = await TerminalClient.connect({ base: s.base, lab: 'demo' });
    await client.prompt();
    let seen = checks(client).length;
    client.type('echo nope > ~/note.txt\r');
    const wrong = await nextChecks(client, seen, (c) => c.results.some((r) => r.criterion === 'has-note' && /does not hold/.test(r.message)));
    expect(wrong.done).toBe(false);
    expect(wrong.results.find((r) => r.criterion === 'has-note')).toEqual({ criterion: 'has-note', passed: false, message: '~/note.txt does not hold the word bulkhead yet' });
    seen = checks(client).length;
    client.type('echo bulkhead > ~/note.txt\r');
    const right = await nextChecks(client, seen, (c) => c.results.some((r) => r.criterion === 'has-note' && r.passed));
    expect(right.results.find((r) => r.criterion === 'uid')).toMatchObject({ passed: false, message: 'Type your answer in the box and submit it.' });
    seen = checks(client).length;
    client.ws.send(JSON.stringify({ type: 'answer', exercise: 'make-note', criterion: 'uid', value: '0' }));
    expect((await nextChecks(client, seen)).results.find((r) => r.criterion === 'uid')?.message).toMatch(/"0" is not it/);
    seen = checks(client).length;
    client.ws.send(JSON.stringify({ type: 'answer', exercise: 'make-note', criterion: 'uid', value: ' 1000 ' }));
    const done = await nextChecks(client, seen);
    expect(done.done).toBe(true);
    expect(done.results.every((r) => r.passed)).toBe(true);
    await client.close();
  });

  it('runs a check while the learner is typing, without disturbing the line being typed', async () => {
    const s = await startTestServer('typing');
    servers.push(s);
    const client = await TerminalClient.connect({ base: s.base, lab: 'demo' });
    await client.prompt();
    client.type('echo half-typ');
    await client.waitForText(/echo half-typ$/);
    const seen = checks(client).length;
    client.ws.send(JSON.stringify({ type: 'check' }));
    await nextChecks(client, seen);
    client.type('ed-line\r');
    await client.waitForText(/^half-typed-line\r$/m);
    await client.close();
  });

  it('keeps results and completions across a lab-server restart', async () => {
    const first = await startTestServer('persist');
    const client = await TerminalClient.connect({ base: first.base, lab: 'demo' });
    await client.prompt();
    client.type('echo bulkhead > ~/note.txt\r');
    await client.until(() => checks(client).some((c) => c.results.some((r) => r.criterion === 'has-note' && r.passed)), 'pass');
    client.ws.send(JSON.stringify({ type: 'answer', exercise: 'make-note', criterion: 'uid', value: '1000' }));
    await client.until(() => checks(client).some((c) => c.done), 'done');
    await client.close();
    await first.server.close();
    const second = await startTestServer('persist2', { env: { DATA_DIR: first.config.DATA_DIR } });
    servers.push(second);
    const headers = { Cookie: client.cookie };
    const all = (await (await fetch(`${second.base}/api/progress`, { headers })).json()) as { labs: Record<string, { done: string[]; total: number }> };
    expect(all.labs.demo).toEqual({ done: ['make-note'], total: 1 });
    const lab = (await (await fetch(`${second.base}/api/progress/demo`, { headers })).json()) as { done: string[]; results: Record<string, unknown[]> };
    expect(lab.results['make-note']).toHaveLength(2);
    const reset = await fetch(`${second.base}/api/progress/demo`, { method: 'DELETE', headers: { ...headers, Origin: second.base } });
    expect(reset.status).toBe(200);
    const after = (await (await fetch(`${second.base}/api/progress`, { headers })).json()) as { labs: Record<string, { done: string[] }> };
    expect(after.labs.demo?.done).toEqual([]);
    const crossSite = await fetch(`${second.base}/api/progress/demo`, { method: 'DELETE', headers: { ...headers, Origin: 'https://evil.example' } });
    expect(crossSite.status).toBe(403);
  });
});

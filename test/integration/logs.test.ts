/**
 * lab-server's log as an operator collects it (stdout of `node lab-server/main.ts`, not a terminal):
 * through a whole workshop lab session (instructor creates a workshop, a learner joins, opens a Docker
 * lab, types, runs a check, is refused `docker run --privileged`, leaves; the server stops), every
 * line is one JSON object with time, level, event and msg, ids appear hashed, and nothing the learner
 * typed, no ticket, no instructor secret, join code or learner cookie is in it. On the way, /metrics
 * counts the seated learner as connected.
 */
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { leftovers, testRuntime, uniqueInstance } from '../helpers/docker.ts';
import { MAIN_ENTRY, ROOT, spawnLabServerProcess, type LabServerChild } from '../helpers/lab-server-process.ts';
import { requestTicket, TerminalClient } from '../helpers/terminal-client.ts';

const LEVELS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);
let server: LabServerChild | undefined;

afterAll(async () => {
  await server?.stop(10_000);
});

async function call(base: string, path: string, options: { token?: string; body?: unknown; cookie?: string } = {}) {
  const response = await fetch(`${base}${path}`, {
    method: options.body === undefined ? 'GET' : 'POST',
    headers: {
      'Content-Type': 'application/json', Origin: base,
      ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}), ...(options.cookie ? { Cookie: options.cookie } : {}),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return { status: response.status, body: await response.json() as any, cookie: response.headers.get('set-cookie')?.split(';')[0] };
}

describe('structured logs', () => {
  it('writes every line of a full lab session as JSON with the required fields, and no secret', async () => {
    const instance = uniqueInstance('ops-logs');
    const dataDir = mkdtempSync(join(tmpdir(), 'bulkhead-logs-'));
    server = spawnLabServerProcess(MAIN_ENTRY, {
      DATA_DIR: dataDir, CONTENT_DIR: join(ROOT, 'content'), BULKHEAD_INSTANCE: instance, WARM_POOL_SIZE: '1',
      LOG_FORMAT: 'auto', LOG_LEVEL: 'debug',
    });
    let stdout = '';
    let stderr = '';
    server.process.stdout!.on('data', (chunk: Buffer) => { stdout += chunk.toString(); });
    server.process.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const exited = new Promise<number | null>((resolve) => server!.process.once('exit', (code) => resolve(code)));
    const base = await server.url;

    // The instructor's side: a workshop, its secret and join code, a board ticket.
    const key = readFileSync(join(dataDir, 'organizer-key'), 'utf8').trim();
    const created = await call(base, '/api/workshops', { token: key, body: { title: 'Room 7', lessons: 'compose', seats: 3, duration: '1h' } });
    expect(created.status).toBe(201);
    const { secret } = created.body as { secret: string };
    const code = created.body.workshop.code as string;
    expect((await call(base, `/api/workshops/${code}/tickets`, { token: secret, body: { purpose: 'board' } })).status).toBe(201);
    expect((await call(base, `/api/workshops/${code}`, { token: 'wrong-secret-wrong-secret' })).status).toBe(403);

    // The learner's: join, a ticket that is never used, one that is refused for its Origin, the lab.
    const joined = await call(base, '/api/workshop/join', { body: { code, name: 'Grace Hopper' } });
    expect(joined.status).toBe(200);
    const cookie = joined.cookie!;
    const unused = await requestTicket(base, 'compose', cookie);
    expect(unused.ticket).toBeTruthy();
    const refused = new WebSocket(`${base.replace(/^http/, 'ws')}/ws?ticket=${encodeURIComponent(unused.ticket!)}`, { headers: { Cookie: cookie, Origin: 'http://evil.example' } });
    await new Promise<void>((resolve) => { refused.once('error', () => resolve()); refused.once('close', () => resolve()); });
    const client = await TerminalClient.connect({ base, lab: 'compose', cookie });
    const ready = await client.ready(60_000);
    await client.prompt(30_000);
    // The seated learner with a terminal open counts as a workshop learner connected.
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/^bulkhead_workshop_learners_connected 1$/m);
    const typed = `typed-by-the-learner-${Math.random().toString(36).slice(2, 10)}`;
    client.type(`echo ${typed}\r`);
    await client.waitForText(new RegExp(`^${typed}\\r$`, 'm'));
    client.ws.send(JSON.stringify({ type: 'check' }));
    await client.waitForControl('checks', 30_000);
    client.type('docker run --rm --privileged bulkhead/web:nginx-1.26 true; echo "exit=$?"\r');
    await client.waitForText(/--privileged is not allowed here[\s\S]*exit=\d+/, 30_000);
    client.type('exit\r');
    await client.waitForControl('expired', 15_000);
    await client.close();

    await server.stop(30_000);
    expect(await exited).toBe(0);
    expect(stderr).toBe('');

    const lines = stdout.split('\n').filter(Boolean);
    const parsed = lines.map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new Error(`not a JSON line: ${line}`);
      }
    });
    for (const line of parsed) {
      expect(typeof line.time === 'string' && !Number.isNaN(Date.parse(line.time)), JSON.stringify(line)).toBe(true);
      expect(LEVELS.has(String(line.level)), JSON.stringify(line)).toBe(true);
      expect(line.event, JSON.stringify(line)).toMatch(/^[a-z]+\.[a-z_.]+$/);
      expect(typeof line.msg, JSON.stringify(line)).toBe('string');
      if ('session' in line) expect(line.session, 'session ids are hashed').toMatch(/^[0-9a-f]{12}$/);
      if ('learner' in line) expect(line.learner, 'learner ids are hashed').toMatch(/^[0-9a-f]{12}$/);
    }
    const events = parsed.map((line) => line.event);
    expect(events).toEqual(expect.arrayContaining(['server.listening', 'workshop.created', 'session.started', 'session.ended', 'server.closed']));
    const started = parsed.find((line) => line.event === 'session.started')!;
    expect(started).toMatchObject({ lab: 'compose', kind: expect.stringMatching(/^(warm|cold)$/) });
    expect(started.duration_ms).toEqual(expect.any(Number));
    const ended = parsed.find((line) => line.event === 'session.ended')!;
    expect(ended).toMatchObject({ lab: 'compose', reason: 'shell', session: started.session });

    const learnerId = cookie.split('=')[1]!;
    for (const [what, value] of Object.entries({ typed, ticket: unused.ticket!, secret, code, learnerId, session: ready.session, key })) {
      expect(value.length, what).toBeGreaterThan(5);
      expect(stdout.includes(value), `the log holds the ${what}`).toBe(false);
    }
    expect(await leftovers(testRuntime(instance), instance)).toBe(0);
  }, 240_000);
});

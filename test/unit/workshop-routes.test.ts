import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Router } from '../../lab-server/http/router.ts';
import { Progress } from '../../lab-server/progress/progress.ts';
import type { SessionManager } from '../../lab-server/sessions/manager.ts';
import { Store } from '../../lab-server/store/store.ts';
import { workshopRoutes } from '../../lab-server/workshops/routes.ts';
import { Workshops } from '../../lab-server/workshops/service.ts';
import { InstructorTickets } from '../../lab-server/workshops/tickets.ts';
import { catalog, FakePool, FakeSessions } from '../helpers/workshop-world.ts';
import { SILENT } from '../../lab-server/ops/log.ts';

/** The workshop API on a real HTTP server and the real router, over an in-memory store; no sandboxes. */
const KEY = 'the-organizer-key-from-the-data-folder';
let server: Server;
let workshops: Workshops;
let base = '';

beforeAll(async () => {
  const store = Store.open(':memory:');
  const sessions = Object.assign(new FakeSessions(), { pool: new FakePool() }) as unknown as SessionManager;
  workshops = new Workshops({ sessions, catalog, store, progress: new Progress(store) }, { organizerKey: KEY });
  const router = new Router(SILENT);
  workshopRoutes(router, workshops, new InstructorTickets(), []);
  server = createServer(router.handleRequest);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await workshops.close();
  await new Promise((resolve) => server.close(resolve));
});

async function call(path: string, options: { method?: string; token?: string; body?: string | object; origin?: string } = {}) {
  const response = await fetch(`${base}${path}`, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers: { Origin: options.origin ?? base, ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}) },
    body: typeof options.body === 'object' ? JSON.stringify(options.body) : options.body,
  });
  const text = await response.text();
  let body: any = text;
  try { body = JSON.parse(text); } catch { /* CSV */ }
  return { status: response.status, body, headers: response.headers };
}

describe('the workshop API through the router', () => {
  it('creates a workshop for the organizer and shows its board to its instructor', async () => {
    const created = await call('/api/workshops', { token: KEY, body: { title: 'Room', lessons: 'demo', seats: 2, duration: '1h' } });
    expect(created.status).toBe(201);
    expect(created.headers.get('content-type')).toBe('application/json');
    const { code } = created.body.workshop;
    expect(created.body).toMatchObject({ workshop: { title: 'Room', status: 'running', lessons: ['demo'] }, joinPath: `/workshop/?code=${code}` });
    const board = await call(`/api/workshops/${code}`, { token: created.body.secret });
    expect(board.status).toBe(200);
    expect(board.body.board.workshop.code).toBe(code);
    expect((await call('/api/workshops', { token: KEY })).body.workshops).toHaveLength(1);
  });

  it('answers a missing credential with 401 and its Bearer challenge', async () => {
    const refused = await call('/api/workshops/ABCDEF/end', { method: 'POST' });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="bulkhead-workshop"');
    expect(refused.body).toEqual({ error: 'This needs the instructor secret from the instructor link.', code: 'UNAUTHORIZED' });
    expect((await call('/api/workshops')).headers.get('www-authenticate')).toBe('Bearer realm="bulkhead-workshop"');
    expect((await call('/api/workshops', { token: 'A'.repeat(43) })).headers.get('www-authenticate'), 'a 403 carries no challenge').toBeNull();
  });

  it('answers a wrong method with 405 and the methods it allows', async () => {
    const me = await call('/api/workshop/me', { method: 'POST', body: {} });
    expect(me.status).toBe(405);
    expect(me.headers.get('allow')).toBe('GET');
    expect(me.body).toEqual({ error: 'Use GET.', code: 'METHOD' });
    expect((await call('/api/workshop/join')).headers.get('allow')).toBe('POST');
    expect((await call('/api/workshops/ABCDEF/tickets', { token: KEY })).status, 'before any authorization').toBe(405);
    expect((await call('/api/workshops', { method: 'DELETE', token: KEY })).headers.get('allow')).toBe('GET, POST');
    expect((await call('/api/workshops/ABCDEF/nothing', { token: KEY })).status).toBe(404);
  });

  it('refuses a cross-site join, a body that is not a JSON object, and one over 4 KiB', async () => {
    expect(await call('/api/workshop/join', { body: { code: 'ABCDEF', name: 'M' }, origin: 'http://evil.example' })).toMatchObject({
      status: 403, body: { error: 'Cross-site request refused.', code: 'FORBIDDEN' },
    });
    expect(await call('/api/workshop/join', { body: '[1]' })).toMatchObject({ status: 400, body: { code: 'BAD_REQUEST', error: 'Request body must be a JSON object.' } });
    expect(await call('/api/workshop/join', { body: JSON.stringify({ name: 'x'.repeat(5000) }) })).toMatchObject({ status: 413, body: { code: 'TOO_LARGE' } });
  });

  it('answers guessing with 429 and Retry-After', async () => {
    for (let i = 0; i < 10; i++) await call('/api/workshop/join', { body: { code: 'ZZZZZZ', name: 'Guess' } });
    const blocked = await call('/api/workshop/join', { body: { code: 'ZZZZZZ', name: 'Guess' } });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(blocked.body.code).toBe('RATE_LIMITED');
  });
});

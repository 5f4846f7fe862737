import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { OP_INPUT, OP_OUTPUT, decodeBinary, encodeData, parseServerControl, type ServerControl } from '../../src/lib/protocol.ts';
import type { BoardSnapshot } from '../../lab-server/workshops/board.ts';
import { Workshops } from '../../lab-server/workshops/service.ts';
import { leftovers } from '../helpers/docker.ts';
import { startTestServer } from '../helpers/lab-server.ts';
import { requestTicket, TerminalClient } from '../helpers/terminal-client.ts';

type TestServer = Awaited<ReturnType<typeof startTestServer>>;
const servers: TestServer[] = [];
const clients: TerminalClient[] = [];
const sockets: WebSocket[] = [];

async function server(name: string, env: Record<string, string> = {}): Promise<TestServer & { key: string }> {
  const s = await startTestServer(name, { env });
  servers.push(s);
  return { ...s, key: readFileSync(join(s.config.DATA_DIR, 'organizer-key'), 'utf8').trim() };
}

async function call(base: string, path: string, options: { token?: string; body?: unknown; cookie?: string; method?: string; origin?: string } = {}) {
  const response = await fetch(`${base}${path}`, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers: {
      'Content-Type': 'application/json', Origin: options.origin ?? base,
      ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}), ...(options.cookie ? { Cookie: options.cookie } : {}),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  let body: any = text;
  try { body = JSON.parse(text); } catch { /* CSV */ }
  return { status: response.status, body, cookie: response.headers.get('set-cookie')?.split(';')[0] ?? options.cookie, headers: response.headers };
}

async function create(base: string, key: string, body: Record<string, unknown>) {
  const created = await call(base, '/api/workshops', { token: key, body });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body as { workshop: { code: string; endsAt: number; startsAt: number }; secret: string; joinPath: string; instructorPath: string };
}

async function terminal(base: string, cookie: string, lab = 'demo'): Promise<TerminalClient> {
  const client = await TerminalClient.connect({ base, lab, cookie });
  clients.push(client);
  return client;
}

/** Status of a WebSocket upgrade: 101 when accepted, else the HTTP status it was refused with. */
function upgradeStatus(url: string, origin: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers: { Origin: origin } });
    ws.on('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); ws.terminate(); });
    ws.on('open', () => { resolve(101); ws.close(); });
    ws.on('error', () => undefined);
  });
}

class BoardClient {
  readonly boards: BoardSnapshot[] = [];
  readonly ws: WebSocket;
  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { type: string; board: BoardSnapshot };
      if (message.type === 'board') this.boards.push(message.board);
    });
  }

  static async open(base: string, code: string, secret: string): Promise<BoardClient> {
    const ticket = await call(base, `/api/workshops/${code}/tickets`, { token: secret, body: { purpose: 'board' } });
    expect(ticket.status).toBe(201);
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws/board?ticket=${ticket.body.ticket}`, { headers: { Origin: base } });
    sockets.push(ws);
    const client = new BoardClient(ws);
    await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
    return client;
  }

  get latest(): BoardSnapshot | undefined {
    return this.boards.at(-1);
  }

  async until(predicate: (board: BoardSnapshot) => boolean, what: string, timeoutMs = 20_000): Promise<BoardSnapshot> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const board = this.latest;
      if (board && predicate(board)) return board;
      if (Date.now() > deadline) throw new Error(`board never showed ${what}: ${JSON.stringify(board?.roster)}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}

afterAll(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  for (const ws of sockets) ws.terminate();
  for (const s of servers) {
    await s.server.close();
    expect(await leftovers(s.runtime, s.instance), `containers left by ${s.instance}`).toBe(0);
  }
});

describe('workshops', () => {
  let main: Awaited<ReturnType<typeof server>>;
  let code = '';
  let secret = '';
  const learners: Record<string, { cookie: string; seat?: string }> = {};

  it('creates a workshop and seats learners up to the limit, refusing one more with a clear message', async () => {
    main = await server('workshops');
    const created = await create(main.base, main.key, { title: 'Room 101', lessons: '1', seats: 2, duration: '2h' });
    ({ code } = created.workshop);
    ({ secret } = created);
    expect(code).toMatch(/^[A-HJ-NP-Z2-9]{6}$/);
    expect(created.instructorPath).toBe(`/workshop/instructor/#code=${code}&secret=${secret}`);
    expect(created.joinPath).toBe(`/workshop/?code=${code}`);

    const ada = await call(main.base, '/api/workshop/join', { body: { code: code.toLowerCase(), name: '  Ada   Lovelace ' } });
    expect(ada.status).toBe(200);
    expect(ada.body.seat.name).toBe('Ada Lovelace');
    expect(ada.body.workshop.lessons.map((l: { slug: string }) => l.slug)).toEqual(['demo']);
    learners.ada = { cookie: ada.cookie as string };
    const me = await call(main.base, '/api/workshop/me', { cookie: ada.cookie });
    expect(me.body.workshop.code).toBe(code);

    expect((await call(main.base, '/api/workshop/join', { body: { code, name: 'ada lovelace' } })).status).toBe(409);
    expect((await call(main.base, '/api/workshop/join', { body: { code, name: 'Eve\u202egnp.exe' } })).status).toBe(400);
    expect((await call(main.base, '/api/workshop/join', { body: { code, name: 'x'.repeat(41) } })).status).toBe(400);
    expect((await call(main.base, '/api/workshop/join', { body: { code, name: 'Mallory' }, origin: 'http://evil.example' })).status).toBe(403);

    const bob = await call(main.base, '/api/workshop/join', { body: { code, name: '=HYPERLINK("x")' } });
    expect(bob.status).toBe(200);
    learners.bob = { cookie: bob.cookie as string };
    const again = await call(main.base, '/api/workshop/join', { body: { code, name: 'Ada L.' }, cookie: ada.cookie });
    expect(again.status, 'a rejoin renames, it takes no second seat').toBe(200);

    const carol = await call(main.base, '/api/workshop/join', { body: { code, name: 'Carol' } });
    expect(carol.status).toBe(409);
    expect(carol.body.error).toBe('All 2 seats of “Room 101” are taken. Tell your instructor.');
    expect((await call(main.base, '/api/workshop/me', { cookie: carol.cookie })).body).toEqual({ workshop: null });
  });

  it('keeps the board and the shadow view from learners and from wrong secrets', async () => {
    const { base } = main;
    const asLearner = await call(base, `/api/workshops/${code}`, { cookie: learners.ada?.cookie });
    expect(asLearner.status).toBe(401);
    expect(asLearner.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await call(base, `/api/workshops/${code}`, { token: 'A'.repeat(43) })).status).toBe(403);
    expect((await call(base, `/api/workshops/${code}/tickets`, { token: 'A'.repeat(43), body: { purpose: 'shadow', seat: 'whatever1' } })).status).toBe(403);
    expect((await call(base, `/api/workshops/${code}/end`, { method: 'POST', cookie: learners.ada?.cookie })).status).toBe(401);
    expect((await call(base, '/api/workshops', { token: secret })).status, 'an instructor secret is not the organizer key').toBe(403);

    const ws = base.replace(/^http/, 'ws');
    expect(await upgradeStatus(`${ws}/ws/board`, base)).toBe(401);
    expect(await upgradeStatus(`${ws}/ws/shadow`, base)).toBe(401);
    const learnerTicket = await requestTicket(base, 'demo', learners.ada?.cookie);
    expect(await upgradeStatus(`${ws}/ws/shadow?ticket=${learnerTicket.ticket}`, base), "a learner's terminal ticket opens no shadow").toBe(401);
    const board = await call(base, `/api/workshops/${code}/tickets`, { token: secret, body: { purpose: 'board' } });
    expect(await upgradeStatus(`${ws}/ws/shadow?ticket=${board.body.ticket}`, base), 'a board ticket opens no shadow').toBe(401);
    const other = await call(base, `/api/workshops/${code}/tickets`, { token: secret, body: { purpose: 'board' } });
    expect(await upgradeStatus(`${ws}/ws/board?ticket=${other.body.ticket}`, 'http://evil.example')).toBe(403);
    expect((await call(base, `/api/workshops/${code}`, { token: secret })).status).toBe(200);
  });

  it("pushes a learner's check results to the board as they happen", async () => {
    const board = await BoardClient.open(main.base, code, secret);
    const first = await board.until((b) => b.roster.length === 2, 'two seats');
    expect(first.workshop).toMatchObject({ code, seats: 2, seatsUsed: 2, status: 'running' });
    learners.ada!.seat = first.roster.find((r) => r.name === 'Ada L.')?.seat;
    learners.bob!.seat = first.roster.find((r) => r.name.startsWith('=HYPER'))?.seat;

    const ada = await terminal(main.base, learners.ada!.cookie);
    await ada.prompt();
    await board.until((b) => b.roster.some((r) => r.name === 'Ada L.' && r.connected && r.labs.includes('demo')), 'Ada connected');
    ada.type('echo bulkhead > ~/note.txt\r');
    const progress = await board.until((b) => b.roster.find((r) => r.name === 'Ada L.')?.cells['demo/make-note']?.passed === 1, 'the note check passing');
    const cell = progress.roster.find((r) => r.name === 'Ada L.')?.cells['demo/make-note'];
    expect(cell).toMatchObject({ state: 'in-progress', passed: 1, total: 2, message: 'Type your answer in the box and submit it.' });

    const sent = Date.now();
    ada.ws.send(JSON.stringify({ type: 'answer', exercise: 'make-note', criterion: 'uid', value: '1000' }));
    const done = await board.until((b) => b.roster.find((r) => r.name === 'Ada L.')?.done === 1, 'the exercise done');
    expect(Date.now() - sent).toBeLessThan(5_000);
    expect(done.roster[0]?.name, 'most stuck first: Bob has done nothing').toMatch(/^=HYPER/);
    expect(done.roster.find((r) => r.name === 'Ada L.')?.cells['demo/make-note']?.state).toBe('done');
  });

  it('lets the instructor shadow a learner read-only, and tells the learner', async () => {
    const ada = clients[0]!;
    const ticket = await call(main.base, `/api/workshops/${code}/tickets`, { token: secret, body: { purpose: 'shadow', seat: learners.ada!.seat } });
    expect(ticket.status).toBe(201);
    const shadow = new WebSocket(`${main.base.replace(/^http/, 'ws')}/ws/shadow?ticket=${ticket.body.ticket}`, { headers: { Origin: main.base } });
    sockets.push(shadow);
    let seen = '';
    const controls: ServerControl[] = [];
    shadow.on('message', (data: Buffer, binary: boolean) => {
      if (!binary) return void controls.push(parseServerControl(data.toString()));
      const frame = decodeBinary(new Uint8Array(data));
      if (frame.op === OP_OUTPUT) seen += Buffer.from(frame.data).toString();
    });
    await new Promise((resolve) => shadow.once('open', resolve));
    await ada.until(() => ada.controls.some((m) => m.type === 'watched' && m.watchers === 1), 'the watched notice');
    expect(ada.controls.find((m) => m.type === 'watched')).toEqual({ type: 'watched', watchers: 1, by: 'Your instructor' });
    await expect.poll(() => seen, { timeout: 5_000 }).toContain('bulkhead > ~/note.txt'); // the replayed screen

    shadow.send(encodeData(OP_INPUT, Buffer.from('echo from-the-shadow\r')));
    ada.type('echo typed-$((40+2))\r');
    await expect.poll(() => seen, { timeout: 5_000 }).toMatch(/^typed-42\r$/m);
    await ada.waitForText(/^typed-42\r$/m);
    expect(ada.text()).not.toContain('from-the-shadow');
    expect(controls[0]?.type).toBe('ready');

    shadow.close();
    await ada.until(() => ada.controls.some((m) => m.type === 'watched' && m.watchers === 0), 'the notice cleared');
  });

  it("broadcasts to every learner's lab and extends the workshop", async () => {
    const ada = clients[0]!;
    const sent = await call(main.base, `/api/workshops/${code}/broadcast`, { token: secret, body: { message: 'Look at exercise 2\nnow, please.' } });
    expect(sent.body).toEqual({ reached: 1 });
    await ada.until(() => ada.controls.some((m) => m.type === 'broadcast'), 'the broadcast');
    expect(ada.controls.find((m) => m.type === 'broadcast')).toEqual({ type: 'broadcast', message: 'Look at exercise 2\nnow, please.', from: 'Room 101' });
    expect((await call(main.base, `/api/workshops/${code}/broadcast`, { token: secret, body: { message: 'bell\u0007' } })).status).toBe(400);
    const me = await call(main.base, '/api/workshop/me', { cookie: learners.bob!.cookie });
    expect(me.body.broadcast.message, 'a learner without an open lab finds it on their next page').toBe('Look at exercise 2\nnow, please.');

    const before = (await call(main.base, `/api/workshops/${code}`, { token: secret })).body.board.workshop.endsAt as number;
    const extended = await call(main.base, `/api/workshops/${code}/extend`, { token: secret, body: { by: '30m' } });
    expect(extended.status).toBe(200);
    expect(extended.body.workshop.endsAt).toBe(before + 30 * 60_000);
    await ada.until(() => ada.controls.some((m) => m.type === 'broadcast' && /extended by 30 min/.test(m.message)), 'the extension notice');
    expect((await call(main.base, `/api/workshops/${code}/extend`, { token: secret, body: { by: 'forever' } })).status).toBe(400);
  });

  it('ends the workshop: learners told, every sandbox removed, no new labs', async () => {
    const ada = clients[0]!;
    const ended = await call(main.base, `/api/workshops/${code}/end`, { token: secret, method: 'POST' });
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({ sandboxes: 1, workshop: { status: 'ended' } });
    const told = ada.controls.find((m) => m.type === 'broadcast' && /instructor ended/.test(m.message));
    expect(told).toMatchObject({ message: 'Your instructor ended “Room 101”. Thank you for taking part! Your results are saved; your lab closes now.' });
    expect((await ada.waitForControl('expired')).reason).toBe('ended');
    await expect.poll(() => leftovers(main.runtime, main.instance), { timeout: 20_000 }).toBe(0);

    const retry = await TerminalClient.connect({ base: main.base, lab: 'demo', cookie: learners.ada!.cookie });
    clients.push(retry);
    const refused = await retry.waitForControl('error');
    expect(refused.message).toBe('“Room 101” has ended, so its labs are closed. Your results are saved.');
    await retry.until(() => retry.closed !== undefined, 'the socket closed');
    expect(main.server.sessions.size).toBe(0);
    expect(await leftovers(main.runtime, main.instance)).toBe(0);
    expect((await call(main.base, '/api/workshop/join', { body: { code, name: 'Late' } })).status).toBe(410);
    expect((await call(main.base, `/api/workshops/${code}/extend`, { token: secret, body: { by: '30m' } })).status).toBe(409);
  });

  it('exports every learner × exercise as JSON and CSV', async () => {
    const json = await call(main.base, `/api/workshops/${code}/export?format=json`, { token: secret });
    expect(json.status).toBe(200);
    expect(json.headers.get('content-disposition')).toBe(`attachment; filename="workshop-${code}-results.json"`);
    expect(json.body.workshop).toMatchObject({ code, title: 'Room 101', lessons: ['demo'], seats: 2 });
    expect(json.body.rows).toHaveLength(2);
    const ada = json.body.rows.find((r: { learner: string }) => r.learner === 'Ada L.');
    expect(ada).toMatchObject({ lesson: 'demo', exercise: 'make-note', exerciseTitle: 'Write a note', done: true, passed: 2, criteria: 2, lastMessage: '' });
    expect(Date.parse(ada.doneAt)).toBeGreaterThan(0);
    expect(ada.checks).toBeGreaterThanOrEqual(2);
    expect(json.body.rows.find((r: { learner: string }) => r.learner !== 'Ada L.')).toMatchObject({ done: false, doneAt: null, checks: 0 });

    const csv = await call(main.base, `/api/workshops/${code}/export?format=csv`, { token: secret });
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = (csv.body as string).trimEnd().split('\r\n');
    expect(lines[0]).toBe('learner,seat,joinedAt,lesson,exercise,exerciseTitle,done,doneAt,checks,passed,criteria,lastMessage,lastCheckedAt');
    expect(lines).toHaveLength(3);
    expect(lines.find((l) => l.startsWith('"Ada L."'))).toContain('"demo","make-note","Write a note","true"');
    expect(lines.some((l) => l.startsWith(`"'=HYPERLINK(""x"")"`)), 'a formula-looking name is defused').toBe(true);
    expect((await call(main.base, `/api/workshops/${code}/export?format=xml`, { token: secret })).status).toBe(400);
  });

  it('holds labs closed before the start, and pre-warms the first lab before it', async () => {
    const created = await create(main.base, main.key, { title: 'Later', lessons: ['demo', 'other'], seats: 3, duration: '1h', startsIn: '3m' });
    const cap = Math.min(3, 10);
    await expect.poll(() => main.server.sessions.pool.size, { timeout: 40_000 }).toBe(cap);
    const joined = await call(main.base, '/api/workshop/join', { body: { code: created.workshop.code, name: 'Early Bird' } });
    expect(joined.body.workshop.status).toBe('scheduled');
    const early = await TerminalClient.connect({ base: main.base, lab: 'demo', cookie: joined.cookie });
    clients.push(early);
    expect((await early.waitForControl('error')).message).toMatch(/^“Later” starts in 3 min; its labs open then\./);
    expect(main.server.sessions.size).toBe(0);
    await call(main.base, `/api/workshops/${created.workshop.code}/end`, { token: created.secret, method: 'POST' });
    await expect.poll(() => leftovers(main.runtime, main.instance), { timeout: 20_000 }).toBe(0);
  });

  it('ends a workshop by the clock at its end time', async () => {
    const created = await create(main.base, main.key, { title: 'Short', lessons: 'demo', seats: 1, duration: '1h' });
    const joined = await call(main.base, '/api/workshop/join', { body: { code: created.workshop.code, name: 'Dana' } });
    const dana = await terminal(main.base, joined.cookie as string);
    await dana.prompt();
    const later = new Workshops(main.server, { organizerKey: main.key, now: () => Date.now() + 2 * 60 * 60_000 });
    try {
      await later.tick();
    } finally {
      await later.close();
    }
    const told = await dana.waitForControl('broadcast');
    expect(told.message).toBe('“Short” has reached its end time. Thank you for taking part! Your results are saved; your lab closes now.');
    expect((await dana.waitForControl('expired')).reason).toBe('ended');
    const board = await call(main.base, `/api/workshops/${created.workshop.code}`, { token: created.secret });
    expect(board.body.board.workshop.status).toBe('ended');
    await expect.poll(() => leftovers(main.runtime, main.instance), { timeout: 20_000 }).toBe(0);
  });

  it('keeps workshops, seats and results across a restart', async () => {
    await main.server.close();
    servers.splice(servers.indexOf(servers.find((s) => s.server === main.server)!), 1);
    expect(await leftovers(main.runtime, main.instance)).toBe(0);
    const again = await server('workshops-again', { DATA_DIR: main.config.DATA_DIR });
    expect(again.key).toBe(main.key);
    const board = await call(again.base, `/api/workshops/${code}`, { token: secret });
    expect(board.status).toBe(200);
    expect(board.body.board.roster.map((r: { name: string }) => r.name).sort()).toEqual(['=HYPERLINK("x")', 'Ada L.']);
    expect(board.body.board.roster.find((r: { name: string }) => r.name === 'Ada L.').done).toBe(1);
    const list = await call(again.base, '/api/workshops', { token: again.key });
    expect(list.body.workshops.map((w: { title: string }) => w.title).sort()).toEqual(['Later', 'Room 101', 'Short']);
  });

  it('refuses join codes from an address that guessed wrong too often, valid or not', async () => {
    const s = await server('workshops-guess');
    const created = await create(s.base, s.key, { title: 'Guarded', lessons: 'demo', seats: 5, duration: '1h' });
    const wrong = created.workshop.code === 'AAAAAA' ? 'BBBBBB' : 'AAAAAA';
    for (let i = 0; i < 10; i++) expect((await call(s.base, '/api/workshop/join', { body: { code: wrong, name: 'Guess' } })).status).toBe(404);
    expect((await call(s.base, '/api/workshop/join', { body: { code: wrong, name: 'Guess' } })).status).toBe(429);
    const blocked = await call(s.base, '/api/workshop/join', { body: { code: created.workshop.code, name: 'Guess' } });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(blocked.body.error).toMatch(/^Too many wrong join codes from your network\. Wait \d+ s, then try again\.$/);
    await call(s.base, `/api/workshops/${created.workshop.code}/end`, { token: created.secret, method: 'POST' });
  });
});

import { afterAll, afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { leftovers } from '../helpers/docker.ts';
import { startTestServer } from '../helpers/lab-server.ts';
import { requestTicket, TerminalClient } from '../helpers/terminal-client.ts';

type TestServer = Awaited<ReturnType<typeof startTestServer>>;
const servers: TestServer[] = [];
const clients: TerminalClient[] = [];

async function server(name: string, options: Parameters<typeof startTestServer>[1] = {}) {
  const s = await startTestServer(name, options);
  servers.push(s);
  return s;
}

async function connect(base: string, options: { lab?: string; cookie?: string; resume?: { session: string; offset: number } } = {}) {
  const client = await TerminalClient.connect({ base, lab: options.lab ?? 'demo', cookie: options.cookie, resume: options.resume });
  clients.push(client);
  return client;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

afterAll(async () => {
  for (const s of servers) {
    await s.server.close();
    expect(await leftovers(s.runtime, s.instance), `containers left by ${s.instance}`).toBe(0);
    const networks = await s.runtime.docker.listNetworks({ filters: { label: [`bulkhead.instance=${s.instance}`] } });
    expect(networks).toHaveLength(0);
  }
});

describe('lab sessions', () => {
  it('starts a shell from the warm pool and runs what the learner types', async () => {
    const { base, server: lab } = await server('pool', { poolSize: 1 });
    await expect.poll(() => lab.sessions.pool.size, { timeout: 20_000 }).toBeGreaterThan(0);
    const client = await connect(base);
    const ready = await client.ready();
    expect(ready.role).toBe('typist');
    await client.prompt();
    client.type('echo $((40+2))-$(id -u)\r');
    await client.waitForText(/^42-1000\r?$/m);
    expect(client.controls.some((m) => m.type === 'progress')).toBe(false); // warm: no "creating" step
  });

  it('resumes a dropped connection with exactly the output it missed', async () => {
    const { base } = await server('resume', { timeouts: { detachedGraceMs: 30_000 } });
    const first = await connect(base);
    const ready = await first.ready();
    await first.prompt();
    first.type('for i in $(seq 1 400); do echo "line-$i"; sleep 0.005; done; echo DONE\r');
    await first.waitForText(/line-50\r\n/);
    const offset = first.offset;
    const before = first.bytes();
    first.ws.terminate(); // as a dropped network would
    await new Promise((resolve) => setTimeout(resolve, 500));
    const second = await connect(base, { cookie: first.cookie, resume: { session: ready.session, offset } });
    const again = await second.ready();
    expect(again.session).toBe(ready.session);
    expect(again.offset).toBe(offset);
    expect(again.lost).toBe(0);
    await second.waitForText(/^DONE\r$/m);
    const whole = Buffer.concat([before, second.bytes()]).toString('utf8');
    const lines = whole.match(/^line-\d+/gm) ?? [];
    expect(lines).toEqual(Array.from({ length: 400 }, (_, i) => `line-${i + 1}`));
  });

  it('gives a reloaded page the held output, and lets two tabs watch while the newest types', async () => {
    const { base } = await server('tabs');
    const first = await connect(base);
    await first.prompt();
    first.type('echo marker-one\r');
    await first.waitForText(/^marker-one\r$/m);
    const second = await connect(base, { cookie: first.cookie });
    const ready = await second.ready();
    expect(ready.role).toBe('typist');
    expect(ready.offset).toBe(0);
    await second.waitForText(/^marker-one\r$/m); // replayed: the screen is not lost on reload
    await first.until(() => first.controls.some((m) => m.type === 'role' && m.role === 'viewer'), 'viewer role');
    first.type('echo from-viewer\r'); // ignored: only the typist types
    second.type('echo from-typist\r');
    await first.waitForText(/^from-typist\r$/m);
    expect(first.text()).not.toMatch(/^from-viewer\r$/m);
  });

  it('expires an idle session, tells the learner why, and removes its sandbox', async () => {
    const { base, runtime, instance } = await server('idle', { timeouts: { idleMs: 2_000 } });
    const client = await connect(base);
    await client.prompt();
    const expired = await client.waitForControl('expired', 10_000);
    expect(expired.reason).toBe('idle');
    expect(expired.message).toMatch(/without input/);
    await expect.poll(() => leftovers(runtime, instance), { timeout: 10_000 }).toBe(0);
  });

  it('warns before the hard limit and ends the session at it', async () => {
    const { base } = await server('hard', { timeouts: { hardMs: 4_000, warnBeforeMs: 3_000 } });
    const client = await connect(base);
    const ready = await client.ready();
    expect(ready.expiresAt - Date.now()).toBeLessThanOrEqual(4_000);
    const warning = await client.waitForControl('expiring', 5_000);
    expect(warning.expiresAt).toBe(ready.expiresAt);
    expect((await client.waitForControl('expired', 8_000)).reason).toBe('limit');
  });

  it('removes a sandbox the grace period after its last tab closed', async () => {
    const { base, runtime, instance } = await server('grace', { timeouts: { detachedGraceMs: 1_000 } });
    const client = await connect(base);
    await client.prompt();
    expect(await leftovers(runtime, instance)).toBe(1);
    await client.close();
    await expect.poll(() => leftovers(runtime, instance), { timeout: 10_000 }).toBe(0);
  });

  it('caps sessions per learner with a sentence saying what to do', async () => {
    const { base } = await server('caps', { caps: { perLearner: 1 } });
    const first = await connect(base, { lab: 'demo' });
    await first.ready();
    const second = await connect(base, { lab: 'other', cookie: first.cookie });
    const refused = await second.waitForControl('error');
    expect(refused.code).toBe('LIMIT_REACHED');
    expect(refused.message).toMatch(/demo/);
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    const stranger = await connect(base, { lab: 'demo' }); // another learner is not affected
    expect((await stranger.ready()).role).toBe('typist');
  });

  it('rate-limits sandbox creation per learner and says when to retry', async () => {
    const { base, server: lab } = await server('rate', { caps: { createBurst: 1, createPerMinute: 1 } });
    const first = await connect(base, { lab: 'demo' });
    const ready = await first.ready();
    lab.sessions.end(ready.session);
    await first.waitForControl('expired');
    await lab.sessions.settled();
    const again = await connect(base, { lab: 'demo', cookie: first.cookie });
    const refused = await again.waitForControl('error');
    expect(refused.code).toBe('RATE_LIMITED');
    expect(refused.message).toMatch(/Wait \d+ s/);
    expect(refused.retryAfterMs).toBeGreaterThan(30_000);
  });

  it('refuses a foreign Origin, a reused ticket and a ticket without its cookie', async () => {
    const { base } = await server('auth');
    const crossSite = await requestTicket(base, 'demo', undefined, 'https://evil.example');
    expect(crossSite.status).toBe(403);
    const ticket = await requestTicket(base, 'demo');
    const url = `${base.replace(/^http/, 'ws')}/ws?ticket=${ticket.ticket}`;
    const status = (headers: Record<string, string>) => new Promise<number>((resolve) => {
      const ws = new WebSocket(url, { headers });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => { ws.close(); resolve(101); });
      ws.on('error', () => undefined);
    });
    expect(await status({ Origin: 'https://evil.example', Cookie: ticket.cookie ?? '' })).toBe(403);
    expect(await status({ Origin: base })).toBe(401); // no cookie: the ticket is not theirs (and is now spent)
    const fresh = await requestTicket(base, 'demo', ticket.cookie);
    const freshUrl = `${base.replace(/^http/, 'ws')}/ws?ticket=${fresh.ticket}`;
    const open = (u: string) => new Promise<number>((resolve) => {
      const ws = new WebSocket(u, { headers: { Origin: base, Cookie: ticket.cookie ?? '' } });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('open', () => { ws.close(); resolve(101); });
      ws.on('error', () => undefined);
    });
    expect(await open(freshUrl)).toBe(101);
    expect(await open(freshUrl)).toBe(401); // single use
    expect((await requestTicket(base, 'no-such-lab')).status).toBe(404);
  });

  it('answers malformed and oversized frames with an error and keeps serving', async () => {
    const { base } = await server('frames');
    const client = await connect(base);
    await client.prompt();
    client.ws.send(Buffer.from([0x07, 1, 2]));
    client.ws.send('{"type":"hello","v":1,"cols":80,"rows":24}');
    client.ws.send(Buffer.from([0x02, 0xff, 0xff, 0xff, 0xff]));
    await client.until(() => client.controls.filter((m) => m.type === 'error').length >= 3, 'three errors');
    const codes = client.controls.filter((m) => m.type === 'error').map((m) => m.type === 'error' && m.code);
    expect(codes).toEqual(['BAD_FRAME', 'BAD_MESSAGE', 'BAD_FRAME']);
    client.type('echo still-alive\r');
    await client.waitForText(/^still-alive\r$/m);
    const big = await connect(base, { cookie: undefined });
    await big.ready();
    big.ws.send(Buffer.alloc(200 * 1024, 0));
    await big.until(() => big.closed !== undefined, 'close');
    expect(big.closed?.code).toBe(1009);
    const after = await connect(base);
    await after.prompt();
  });

  it('renders multi-byte UTF-8 split across output chunks intact', async () => {
    const { base } = await server('utf8');
    const client = await connect(base);
    await client.prompt();
    // printf with a pause between the bytes of one character forces a split across frames.
    client.type(`printf '\\xe2\\x9c'; sleep 0.3; printf '\\x93 h\\xc3\\xa9 \\xf0\\x9f\\x90\\xb3\\n'\r`);
    await client.waitForText(/✓ hé 🐳/);
  });
});

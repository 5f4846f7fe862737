/**
 * Port preview against the real engine: learner containers are created here directly, labelled and
 * networked exactly as the Docker gate creates them, in sessions started like a browser does.
 */
import { request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { LabServer } from '../../lab-server/main.ts';
import { imageRefs } from '../../lab-server/images.ts';
import { objectLabels, ROLE_LEARNER } from '../../lab-server/labels.ts';
import type { DockerRuntime } from '../../lab-server/runtime/docker-runtime.ts';
import { leftovers } from '../helpers/docker.ts';
import { startTestServer } from '../helpers/lab-server.ts';
import { TerminalClient } from '../helpers/terminal-client.ts';

/**
 * The learner's app: a page, a header echo, redirects, a large download, a body echo, a WebSocket echo
 * (RFC 6455 by hand, text frames up to 64 KiB) and a listener on loopback only. Runs in the lab's app image.
 */
const APP = String.raw`
const http = require('node:http'); const crypto = require('node:crypto');
const TEXT = process.env.TEXT || 'hello from the app';
const server = http.createServer((req, res) => {
  if (req.url === '/') { res.writeHead(200, { 'content-type': 'text/html', 'set-cookie': ['app=1; Path=/; Domain=localhost', 'bh_learner=stolen; Path=/'] }); return res.end('<h1>' + TEXT + '</h1>'); }
  if (req.url === '/headers') return res.end(JSON.stringify(req.headers));
  if (req.url.startsWith('/redirect?to=')) { res.writeHead(302, { location: decodeURIComponent(req.url.slice(13)) }); return res.end('redirecting'); }
  if (req.url === '/big') { const chunk = Buffer.alloc(1 << 20, 97); let n = 0; const more = () => { while (n < 80) { n++; if (!res.write(chunk)) return res.once('drain', more); } res.end(); }; return more(); }
  if (req.url === '/echo' && req.method === 'POST') return req.pipe(res);
  res.writeHead(404); res.end('app 404');
});
server.on('upgrade', (req, socket) => {
  const accept = crypto.createHash('sha1').update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ' + accept + '\r\n\r\n');
  let buf = Buffer.alloc(0);
  socket.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      if (buf.length < 2) return;
      const op = buf[0] & 15; let len = buf[1] & 127; let at = 2;
      if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); at = 4; }
      if (buf.length < at + 4 + len) return;
      const mask = buf.subarray(at, at + 4); const data = Buffer.from(buf.subarray(at + 4, at + 4 + len));
      for (let i = 0; i < data.length; i++) data[i] ^= mask[i % 4];
      buf = buf.subarray(at + 4 + len);
      if (op === 8) { socket.end(Buffer.from([0x88, 0])); return; }
      const head = data.length < 126 ? Buffer.from([0x81, data.length]) : Buffer.from([0x81, 126, data.length >> 8, data.length & 255]);
      socket.write(Buffer.concat([head, data]));
    }
  });
  socket.on('error', () => {});
});
server.listen(Number(process.env.PORT || 3000), '0.0.0.0');
http.createServer((req, res) => res.end('loopback only')).listen(3001, '127.0.0.1');
`;

let lab: LabServer;
let runtime: DockerRuntime;
let instance: string;
let base: string;
let serverPort: number;
let alice: TerminalClient;
let bob: TerminalClient;
let aliceSession: string;
let bobSession: string;

async function learnerContainer(session: string, network: string, options: { image: string; cmd?: string[]; env?: string[]; aliases?: string[] }): Promise<string> {
  const container = await runtime.docker.createContainer({
    Image: options.image, Cmd: options.cmd, Env: options.env,
    // As the gate would label it: a learner's object, expiring within the hour the test needs at most.
    Labels: objectLabels({ instance, session, expiresAt: Date.now() + 3_600_000 }, ROLE_LEARNER),
    HostConfig: { NetworkMode: network, AutoRemove: false },
    NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: options.aliases ?? [] } } },
  });
  await container.start();
  return container.id;
}

const networkOf = (session: string) => `bulkhead-${instance}-${session}`;

interface Reply { status: number; headers: IncomingHttpHeaders; body: string }

/** One HTTP request to the lab-server's socket with any Host header (fetch cannot set Host). */
function send(path: string, options: { host?: string; cookie?: string; method?: string; headers?: Record<string, string>; body?: Buffer } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port: serverPort, path, method: options.method ?? 'GET', setHost: false,
      headers: { Host: options.host ?? `localhost:${serverPort}`, ...(options.cookie ? { Cookie: options.cookie } : {}), ...options.headers },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Bytes exactly as written, for request lines that no HTTP client would produce. */
function raw(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(serverPort, '127.0.0.1', () => socket.end(text));
    let out = '';
    socket.on('data', (d) => { out += d.toString('latin1'); });
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
  });
}

interface Listing { running: boolean; previewPort: number | null; ports: Array<{ port: number; container: string; reachable: boolean; open: string }>; previewOpen?: string }

async function listing(cookie: string): Promise<Listing> {
  return JSON.parse((await send('/api/preview?lab=other', { cookie })).body) as Listing;
}

async function waitForPort(cookie: string, port: number, container?: string): Promise<Listing> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const list = await listing(cookie);
    if (list.ports.some((p) => p.port === port && (!container || p.container === container))) return list;
    if (Date.now() > deadline) throw new Error(`port ${port} never listed: ${JSON.stringify(list)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

function previewIdOf(list: Listing): string {
  return /id=([a-z2-7]+)/.exec(list.ports[0]?.open ?? '')?.[1] ?? '';
}

/** The whole hand-off as a browser does it: open link on the course, ticket, cookie on the preview host. */
async function openPreview(cookie: string, port: number): Promise<{ host: string; cookie: string }> {
  const list = await waitForPort(cookie, port);
  const entry = list.ports.find((p) => p.port === port)!;
  const opened = await send(entry.open, { cookie });
  expect(opened.status).toBe(303);
  const target = new URL(opened.headers.location ?? '');
  expect(target.hostname).toMatch(new RegExp(`^p${port}-[a-z2-7]{26}\\.localhost$`));
  const redeemed = await send(`${target.pathname}${target.search}`, { host: target.host });
  expect(redeemed.status).toBe(303);
  expect(redeemed.headers.location).toBe('/');
  const setCookie = redeemed.headers['set-cookie']?.[0] ?? '';
  expect(setCookie).toMatch(/^bh_preview=[\w-]+; Path=\/; HttpOnly; SameSite=Lax$/);
  return { host: target.host, cookie: setCookie.split(';')[0]! };
}

describe('port preview', () => {
  let app: string;
  let aliceId: string;
  let bobAppIp: string;

  beforeAll(async () => {
    const started = await startTestServer('preview');
    ({ server: lab, runtime, instance, base } = started);
    serverPort = Number(new URL(base).port);
    alice = await TerminalClient.connect({ base, lab: 'other' });
    aliceSession = (await alice.ready()).session;
    bob = await TerminalClient.connect({ base, lab: 'other' });
    bobSession = (await bob.ready()).session;
    app = (await imageRefs('app')).hashTag;
    await learnerContainer(aliceSession, networkOf(aliceSession), { image: app, cmd: ['node', '-e', APP] });
    await learnerContainer(aliceSession, networkOf(aliceSession), { image: (await imageRefs('web')).hashTag });
    const bobApp = await learnerContainer(bobSession, networkOf(bobSession), { image: app, cmd: ['node', '-e', APP], env: ['PORT=4000', 'TEXT=bob secret'] });
    // A container claiming Alice's session but attached only to Bob's network: the preview must not use it.
    await learnerContainer(aliceSession, networkOf(bobSession), { image: app, cmd: ['node', '-e', APP], env: ['PORT=5000', 'TEXT=spoofed'] });
    const inspected = await runtime.docker.getContainer(bobApp).inspect();
    bobAppIp = inspected.NetworkSettings.Networks[networkOf(bobSession)]?.IPAddress ?? '';
    aliceId = previewIdOf(await waitForPort(alice.cookie, 3000));
  });

  afterAll(async () => {
    await alice?.close();
    await bob?.close();
    await lab?.close();
    await runtime?.removeAll();
    expect(await leftovers(runtime, instance)).toBe(0);
  });

  it('lists the ports listening in the session, by container, and marks loopback-only ones', async () => {
    const list = await waitForPort(alice.cookie, 8080);
    expect(list.running).toBe(true);
    const ports = list.ports.map(({ port, reachable }) => ({ port, reachable }));
    expect(ports).toContainEqual({ port: 3000, reachable: true });
    expect(ports).toContainEqual({ port: 3001, reachable: false });
    expect(ports).toContainEqual({ port: 8080, reachable: true });
    expect(ports.map((p) => p.port)).not.toContain(4000);
    expect(list.ports.every((p) => p.open.startsWith(`/api/preview/open?id=${aliceId}&port=`))).toBe(true);
    // Docker's embedded DNS (127.0.0.11, a random port) is not the learner's; a loopback-only app is, and says so.
    expect((await listing(bob.cookie)).ports.map((p) => p.port)).toEqual([3001, 4000]);
  });

  it('says no lab runs for a learner without a session', async () => {
    const fresh = await send('/api/preview?lab=other');
    expect(JSON.parse(fresh.body)).toEqual({ running: false, previewPort: null, ports: [] });
  });

  it('serves the app on its own host, passing the Host and never Bulkhead\'s cookies', async () => {
    const preview = await openPreview(alice.cookie, 3000);
    const page = await send('/', { host: preview.host, cookie: preview.cookie });
    expect(page.status).toBe(200);
    expect(page.body).toBe('<h1>hello from the app</h1>');
    expect(page.headers['set-cookie']).toEqual(['app=1; Path=/']);
    const echoed = await send('/headers', { host: preview.host, cookie: `${preview.cookie}; ${alice.cookie}; theirs=1`, headers: { 'X-Forwarded-For': '6.6.6.6', 'X-Forwarded-Host': 'evil.example' } });
    const headers = JSON.parse(echoed.body) as Record<string, string>;
    expect(headers.host).toBe(preview.host);
    expect(headers.cookie).toBe('theirs=1');
    expect(headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(headers['x-forwarded-host']).toBe(preview.host);
    const posted = await send('/echo', { host: preview.host, cookie: preview.cookie, method: 'POST', body: Buffer.from('ping') });
    expect(posted.body).toBe('ping');
  });

  it('forwards a WebSocket echo, and refuses one opened from another origin', async () => {
    const preview = await openPreview(alice.cookie, 3000);
    const open = (origin: string) => new WebSocket(`ws://127.0.0.1:${serverPort}/socket`, { headers: { Host: preview.host, Cookie: preview.cookie, Origin: origin }, perMessageDeflate: false });
    const ws = open(`http://${preview.host}`);
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
    const replies: string[] = [];
    ws.on('message', (data) => replies.push(data.toString()));
    for (const text of ['one', 'two', 'x'.repeat(5000)]) ws.send(text);
    await expect.poll(() => replies.length).toBe(3);
    expect(replies.slice(0, 2)).toEqual(['one', 'two']);
    ws.close();
    for (const origin of ['http://evil.example', 'null', `http://p3000-${'b'.repeat(26)}.localhost:${serverPort}`, 'not a url']) {
      const foreign = open(origin);
      const status = await new Promise<number>((resolve) => foreign.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
      expect(status, origin).toBe(404);
    }
    expect((await send('/', { host: preview.host, cookie: preview.cookie, headers: { Origin: 'null' } })).status).toBe(404);
  });

  it('counts the requests and bytes it passed on /metrics, by kind, with no session in a label', async () => {
    // The two tests before this one made HTTP requests and a WebSocket through Alice's preview.
    const text = await (await fetch(`${base}/metrics`)).text();
    const value = (series: string) => Number(text.split('\n').find((line) => line.startsWith(`${series} `))?.split(' ')[1] ?? Number.NaN);
    expect(value('bulkhead_preview_requests_total{kind="http"}')).toBeGreaterThanOrEqual(3);
    expect(value('bulkhead_preview_requests_total{kind="websocket"}')).toBeGreaterThanOrEqual(1);
    expect(value('bulkhead_preview_bytes_total')).toBeGreaterThan('<h1>hello from the app</h1>'.length);
    expect(text).not.toContain(aliceSession);
    expect(text).not.toContain(aliceId);
  });

  it('answers 404, the same for all, to another learner, a missing cookie, a spent or misplaced ticket and an unknown id', async () => {
    const notFound = (await send('/', { host: `p3000-${'a'.repeat(26)}.localhost:${serverPort}` })).body;
    expect(notFound).toMatch(/no preview here/);
    // Bob asks the course to open Alice's preview with his own learner cookie.
    const asBob = await send(`/api/preview/open?id=${aliceId}&port=3000`, { cookie: bob.cookie });
    expect(asBob.status).toBe(404);
    expect(asBob.body).toBe(notFound);
    // Bob holds a valid preview cookie, for his own preview, and tries it on Alice's host.
    const bobs = await openPreview(bob.cookie, 4000);
    const aliceHost = `p3000-${aliceId}.localhost:${serverPort}`;
    for (const cookie of [bobs.cookie, undefined, bob.cookie, alice.cookie]) {
      const reply = await send('/', { host: aliceHost, cookie });
      expect(reply.status).toBe(404);
      expect(reply.body).toBe(notFound);
    }
    // A ticket works once, and only on the host it was issued for.
    const opened = new URL((await send(`/api/preview/open?id=${aliceId}&port=3000`, { cookie: alice.cookie })).headers.location ?? '');
    const onOtherPort = await send(`${opened.pathname}${opened.search}`, { host: `p8080-${aliceId}.localhost:${serverPort}` });
    expect(onOtherPort.status).toBe(404);
    const again = await send(`${opened.pathname}${opened.search}`, { host: opened.host });
    expect(again.status).toBe(404);
  });

  it('never reaches another session\'s container, even one that carries this session\'s label', async () => {
    const preview = await openPreview(alice.cookie, 3000);
    for (const port of [4000, 5000]) {
      const host = `p${port}-${aliceId}.localhost:${serverPort}`;
      // The cookie is host-only; a browser would redeem a ticket per port. Same preview id, so the token is accepted.
      const reply = await send('/', { host, cookie: preview.cookie });
      expect(reply.status).toBe(502);
      expect(reply.body).not.toMatch(/bob secret|spoofed/);
    }
  });

  it('refuses Host header tricks, absolute-URI request lines and dot segments', async () => {
    const preview = await openPreview(alice.cookie, 3000);
    const forbidden = /bob secret|spoofed|hello from the app|"Containers"|ami-id/;
    for (const host of [`${bobAppIp}:4000`, '169.254.169.254', `p3000-${aliceId}.localhost.evil.example`, `p3000-${aliceId}.localhost@169.254.169.254`, 'unix:/var/run/docker.sock', `localhost:${serverPort}`]) {
      const reply = await send('/', { host, cookie: preview.cookie, headers: { 'X-Forwarded-Host': preview.host } });
      expect(reply.body, host).not.toMatch(forbidden);
    }
    for (const target of ['http://169.254.169.254/latest/meta-data/', `http://${bobAppIp}:4000/`, `http://${preview.host}/`, 'http://unix:/var/run/docker.sock:/containers/json', '*']) {
      const reply = await raw(`GET ${target} HTTP/1.1\r\nHost: ${preview.host}\r\nCookie: ${preview.cookie}\r\nConnection: close\r\n\r\n`);
      expect(reply, target).toMatch(/^HTTP\/1\.1 400 /);
      expect(reply).not.toMatch(forbidden);
    }
    for (const path of ['/../../api/tickets', '/a/%2e%2e/b', '/a/%2E./b', '/./x', '/a\\b', '//169.254.169.254/']) {
      const reply = await raw(`GET ${path} HTTP/1.1\r\nHost: ${preview.host}\r\nCookie: ${preview.cookie}\r\nConnection: close\r\n\r\n`);
      expect(reply, path).toMatch(/^HTTP\/1\.1 400 /);
    }
    const malformed = await send('/', { host: preview.host, cookie: 'bh_preview=%E0%A4%A' });
    expect([400, 404]).toContain(malformed.status);
    expect((await send('/', { host: preview.host, cookie: preview.cookie })).status).toBe(200);
    const connectLine = await raw(`CONNECT 169.254.169.254:80 HTTP/1.1\r\nHost: ${preview.host}\r\nCookie: ${preview.cookie}\r\n\r\n`);
    expect(connectLine).not.toMatch(/^HTTP\/1\.1 200/);
  });

  it('refuses port 0, 65536, a leading zero and a non-number, in the host name and in the open link', async () => {
    for (const label of ['p0', 'p65536', 'p03000', 'pabc', 'p3000x', 'p-3000']) {
      expect((await send('/', { host: `${label}-${aliceId}.localhost:${serverPort}` })).status, label).toBe(404);
    }
    for (const port of ['0', '65536', '03000', 'abc', '', '3000.0', '1e3']) {
      expect((await send(`/api/preview/open?id=${aliceId}&port=${port}`, { cookie: alice.cookie })).status, port).toBe(404);
    }
  });

  it('passes redirects back to the browser and never follows them', async () => {
    const preview = await openPreview(alice.cookie, 3000);
    for (const to of ['http://169.254.169.254/latest/meta-data/', `http://127.0.0.1:${serverPort}/healthz`, `http://${bobAppIp}:4000/`, 'http://unix:/var/run/docker.sock:/containers/json']) {
      const reply = await send(`/redirect?to=${encodeURIComponent(to)}`, { host: preview.host, cookie: preview.cookie });
      expect(reply.status).toBe(302);
      expect(reply.headers.location).toBe(to);
      expect(reply.body).toBe('redirecting');
    }
  });

  it('never proxies to the engine socket or the lab-server itself through a container port', async () => {
    const preview = await openPreview(alice.cookie, 3000);
    for (const port of [2375, 2376, serverPort]) {
      const reply = await send('/containers/json', { host: `p${port}-${aliceId}.localhost:${serverPort}`, cookie: preview.cookie });
      expect(reply.status).toBe(502);
      expect(reply.body).not.toMatch(/"Containers"|Image|"ok":true/);
    }
  });

  it('bounds request and response sizes', async () => {
    const preview = await openPreview(alice.cookie, 3000);
    const tooBig = await send('/echo', { host: preview.host, cookie: preview.cookie, method: 'POST', headers: { 'Content-Length': String(17 * 1024 * 1024) } });
    expect(tooBig.status).toBe(413);
    const big = await send('/big', { host: preview.host, cookie: preview.cookie }).catch((error: Error) => ({ status: -1, body: '', error }));
    expect(big.body.length).toBeLessThan(80 * 1024 * 1024);
  });

  it('keeps the course\'s own routes off preview hosts', async () => {
    const preview = await openPreview(alice.cookie, 3000);
    for (const path of ['/healthz', '/api/progress', '/ws']) {
      const reply = await send(path, { host: preview.host, cookie: preview.cookie });
      expect(reply.body, path).toBe('app 404');
    }
  });

  it('forgets the preview when the session ends', async () => {
    const preview = await openPreview(alice.cookie, 3000);
    const ws = new WebSocket(`ws://127.0.0.1:${serverPort}/socket`, { headers: { Host: preview.host, Cookie: preview.cookie, Origin: `http://${preview.host}` } });
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    lab.sessions.end(aliceSession);
    expect((await send('/', { host: preview.host, cookie: preview.cookie })).status).toBe(404);
    await closed;
    expect((await send('/api/preview?lab=other', { cookie: alice.cookie })).body).toMatch(/"running":false/);
  });
});

describe('port preview, path scheme (no wildcard name)', () => {
  let carol: TerminalClient;
  let dave: TerminalClient;
  let prefix = '';

  beforeAll(async () => {
    const started = await startTestServer('preview-path', { env: { PREVIEW_MODE: 'path' } });
    ({ server: lab, runtime, instance, base } = started);
    serverPort = Number(new URL(base).port);
    carol = await TerminalClient.connect({ base, lab: 'other' });
    const session = (await carol.ready()).session;
    dave = await TerminalClient.connect({ base, lab: 'other' });
    await dave.ready();
    await learnerContainer(session, networkOf(session), { image: (await imageRefs('app')).hashTag, cmd: ['node', '-e', APP] });
    const opened = await send((await waitForPort(carol.cookie, 3000)).ports.find((p) => p.port === 3000)!.open, { cookie: carol.cookie });
    expect(opened.status).toBe(303);
    prefix = opened.headers.location ?? '';
  });

  afterAll(async () => {
    await carol?.close();
    await dave?.close();
    await lab?.close();
    await runtime?.removeAll();
  });

  it('serves the owner under /preview/<id>/<port>/ and nobody else', async () => {
    expect(prefix).toMatch(/^\/preview\/[a-z2-7]{26}\/3000\/$/);
    const page = await send(prefix, { cookie: carol.cookie });
    expect(page.status).toBe(200);
    expect(page.body).toBe('<h1>hello from the app</h1>');
    expect(page.headers['set-cookie']).toEqual([`app=1; Path=${prefix}`]);
    const headers = JSON.parse((await send(`${prefix}headers`, { cookie: `${carol.cookie}; theirs=1` })).body) as Record<string, string>;
    expect(headers.cookie).toBe('theirs=1');
    for (const cookie of [dave.cookie, undefined]) {
      const reply = await send(prefix, { cookie });
      expect(reply.status).toBe(404);
      expect(reply.body).toMatch(/no preview here/);
    }
    expect((await send(prefix.slice(0, -1), { cookie: carol.cookie })).status).toBe(308);
  });

  it('keeps the app\'s redirects under its prefix and passes others on unfollowed', async () => {
    expect((await send(`${prefix}redirect?to=%2Flogin`, { cookie: carol.cookie })).headers.location).toBe(`${prefix}login`);
    const away = await send(`${prefix}redirect?to=${encodeURIComponent('http://169.254.169.254/')}`, { cookie: carol.cookie });
    expect(away.status).toBe(302);
    expect(away.body).toBe('redirecting');
  });

  it('forwards a WebSocket echo from the course\'s own origin only', async () => {
    const open = (origin: string) => new WebSocket(`ws://127.0.0.1:${serverPort}${prefix}socket`, { headers: { Host: `localhost:${serverPort}`, Cookie: carol.cookie, Origin: origin }, perMessageDeflate: false });
    const ws = open(base);
    await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
    const reply = new Promise<string>((resolve) => ws.once('message', (data) => resolve(data.toString())));
    ws.send('hello');
    expect(await reply).toBe('hello');
    ws.close();
    const foreign = open('http://evil.example');
    expect(await new Promise<number>((resolve) => foreign.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)))).toBe(404);
  });

  it('refuses dot segments and absolute-URI request lines', async () => {
    for (const target of [`${prefix}../../api/tickets`, `${prefix}%2e%2e/%2e%2e/healthz`, `http://169.254.169.254${prefix}`]) {
      const reply = await raw(`GET ${target} HTTP/1.1\r\nHost: localhost:${serverPort}\r\nCookie: ${carol.cookie}\r\nConnection: close\r\n\r\n`);
      expect(reply, target).toMatch(/^HTTP\/1\.1 40[04] /);
      expect(reply).not.toMatch(/hello from the app|"ok":true/);
    }
  });
});

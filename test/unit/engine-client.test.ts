/** The engine client's own logic over tcp:// and ssh://, against a small fake engine (the real one: test/integration/engine-client.test.ts). */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../lab-server/engine/client.ts';
import { EngineError, EngineUnavailableError } from '../../lab-server/errors.ts';

let server: Server;
let host: string;
const seen: Array<{ method: string; url: string; host: string }> = [];
let versionAnswers: Array<[number, unknown]> = [];

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', host: req.headers.host ?? '' });
    if (req.url === '/_ping') return void res.end('OK');
    if (req.url === '/version') {
      const [status, body] = versionAnswers.shift() ?? [200, { ApiVersion: '1.41' }];
      return send(res, status, body);
    }
    if (req.url === '/v1.41/events') return void res.writeHead(200).write('{"Action":"create"}\n');
    if (req.url?.startsWith('/v1.41/containers/json')) return send(res, 200, [{ Id: 'a' }]);
    send(res, 404, { message: 'page not found' });
  });
  server.on('upgrade', (req: IncomingMessage, socket) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', host: req.headers.host ?? '' });
    socket.end('HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nhello');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `tcp://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(() => {
  seen.length = 0;
  versionAnswers = [];
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('engine client', () => {
  it('asks /version once for any number of calls, even concurrent ones, and prefixes each call with it', async () => {
    const engine = new Engine({ DOCKER_HOST: host });
    const answers = await Promise.all(Array.from({ length: 5 }, () => engine.call({ method: 'GET', path: '/containers/json', query: { all: '1', skip: undefined } })));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(seen.filter((r) => r.url === '/version')).toHaveLength(1);
    expect(seen.filter((r) => r.url === '/v1.41/containers/json?all=1')).toHaveLength(5);
    engine.close();
  });

  it('asks again after a failed version question, and refuses a version it cannot use', async () => {
    const engine = new Engine({ DOCKER_HOST: host });
    versionAnswers = [[500, { message: 'starting' }], [200, { ApiVersion: '1.41' }]];
    await expect(engine.apiVersion()).rejects.toThrow(/answered \/version with HTTP 500/);
    await expect(engine.apiVersion()).resolves.toBe('1.41');
    const odd = new Engine({ DOCKER_HOST: host });
    versionAnswers = [[200, { ApiVersion: 'latest' }]];
    await expect(odd.apiVersion()).rejects.toBeInstanceOf(EngineError);
    engine.close();
    odd.close();
  });

  it('sends a tcp:// engine its own host name, not the socket placeholder', async () => {
    const engine = new Engine({ DOCKER_HOST: host });
    await engine.ping();
    expect(seen[0]).toEqual({ method: 'GET', url: '/_ping', host: host.slice('tcp://'.length) });
    engine.close();
  });

  it('hands over an upgraded connection with what the engine sent after the headers', async () => {
    const engine = new Engine({ DOCKER_HOST: host });
    const result = await engine.upgrade({ method: 'POST', path: '/exec/abc/start', body: { Detach: false, Tty: true } });
    expect(result.upgraded).toBe(true);
    if (!result.upgraded) return;
    const rest: Buffer[] = [result.head];
    for await (const chunk of result.socket) rest.push(chunk as Buffer);
    expect(Buffer.concat(rest).toString()).toBe('hello');
    expect(seen.at(-1)?.url).toBe('/v1.41/exec/abc/start');
    engine.close();
  });

  it('names a cancelled stream as cancelled, not as an engine that is gone', async () => {
    const engine = new Engine({ DOCKER_HOST: host });
    const stop = new AbortController();
    const events = await engine.stream({ method: 'GET', path: '/events' }, stop.signal);
    expect(events.status).toBe(200);
    stop.abort(new Error('the learner left'));
    const late = engine.stream({ method: 'GET', path: '/events' }, stop.signal);
    await expect(late).rejects.toBeInstanceOf(EngineError);
    await expect(late).rejects.not.toBeInstanceOf(EngineUnavailableError);
    await expect(late).rejects.toThrow(/did not finish GET \/events: the learner left/);
    engine.close();
  });

  it('keeps the buffered answer within its bound', async () => {
    const engine = new Engine({ DOCKER_HOST: host });
    await expect(engine.call({ method: 'GET', path: '/containers/json', maxBytes: 4 })).rejects.toThrow(/larger than 4 bytes/);
    engine.close();
  });

  it('dials ssh:// through the modem\'s ssh transport, and says so when nothing answers', async () => {
    const engine = new Engine({ DOCKER_HOST: 'ssh://ops@127.0.0.1:1' });
    const ping = engine.ping(2_000);
    await expect(ping).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(ping).rejects.toThrow(/^Docker Engine not reachable at ssh:\/\/ops@127\.0\.0\.1:1 \(ECONNREFUSED\)/);
    expect(engine.docker.modem).toMatchObject({ protocol: 'ssh', host: '127.0.0.1', port: 1, username: 'ops' });
  });
});

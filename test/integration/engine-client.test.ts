/**
 * The one engine client against the real Docker Engine (DOCKER_HOST, default unix:///var/run/docker.sock):
 * ping, the API version asked once however many calls follow, a raw buffered call, a streamed answer, the
 * dockerode side over the same address, and the error family when nothing or something refuses.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineEnv, loadConfig } from '../../lab-server/config.ts';
import { parseDockerHost } from '../../lab-server/engine/address.ts';
import { Engine } from '../../lab-server/engine/client.ts';
import { EngineError, EngineUnavailableError } from '../../lab-server/errors.ts';
import { LABEL_INSTANCE, objectLabels, ownerFilters, ROLE_NETWORK } from '../../lab-server/labels.ts';
import { uniqueInstance } from '../helpers/docker.ts';

const config = loadConfig(engineEnv());
const address = parseDockerHost(config.DOCKER_HOST);
const instance = uniqueInstance('engine');

/**
 * A pass-through Unix socket in front of the real engine that notes every request line the client sends,
 * so the test sees what went over the wire. Only a plain (non-TLS, non-ssh) engine can be watched so.
 */
async function wiretap(dir: string): Promise<{ server: Server; socketPath: string; requests: string[]; close(): Promise<void> }> {
  const socketPath = join(dir, 'tap.sock');
  const requests: string[] = [];
  const open = new Set<Socket>();
  const server = createServer((client: Socket) => {
    open.add(client);
    client.once('close', () => open.delete(client));
    const upstream = address.kind === 'unix' ? connect(address.socketPath) : connect({ host: address.kind === 'tcp' ? address.host : '', port: address.kind === 'tcp' ? address.port : 0 });
    client.on('data', (chunk: Buffer) => {
      for (const match of chunk.toString('latin1').matchAll(/(?:^|\r\n)(GET|HEAD|POST|PUT|DELETE) (\S+) HTTP\/1\.1\r\n/g)) requests.push(`${match[1]} ${match[2]}`);
    });
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  const close = () => new Promise<void>((resolve) => {
    server.close(() => resolve());
    for (const socket of open) socket.destroy();
  });
  return { server, socketPath, requests, close };
}

const watchable = address.kind === 'unix' || (address.kind === 'tcp' && !config.DOCKER_TLS_VERIFY);
let dir: string;
let tap: Awaited<ReturnType<typeof wiretap>>;
let engine: Engine;

describe('the one engine client against the real engine', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulkhead-engine-'));
    tap = await wiretap(dir);
    engine = watchable ? new Engine({ DOCKER_HOST: `unix://${tap.socketPath}` }) : new Engine(config);
  });

  afterAll(async () => {
    for (const n of await engine.docker.listNetworks({ filters: { label: [`${LABEL_INSTANCE}=${instance}`] } })) await engine.docker.getNetwork(n.Id).remove();
    engine.close();
    await tap.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('pings the engine', async () => {
    await expect(engine.ping()).resolves.toBeUndefined();
  });

  it.skipIf(!watchable)('asks the API version once and speaks it on every raw call after that', async () => {
    const before = tap.requests.length;
    const version = await engine.apiVersion();
    expect(version).toMatch(/^1\.\d+$/);
    const containers = await engine.call({ method: 'GET', path: '/containers/json', query: { all: '1', filters: JSON.stringify({ label: [`${LABEL_INSTANCE}=${instance}`] }) } });
    expect(containers.status).toBe(200);
    expect(JSON.parse(containers.body.toString())).toEqual([]);
    expect(await engine.json<{ ApiVersion: string }>('read the version', { method: 'GET', path: '/version' })).toMatchObject({ ApiVersion: version });
    await engine.apiVersion();
    const sent = tap.requests.slice(before);
    expect(sent.filter((line) => /^GET \/version$/.test(line))).toHaveLength(1);
    expect(sent).toContain(`GET /v${version}/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify({ label: [`${LABEL_INSTANCE}=${instance}`] }))}`);
    expect(sent).toContain(`GET /v${version}/version`);
  });

  it('streams the event stream while dockerode, over the same address, creates a labelled network', async () => {
    const stop = new AbortController();
    const name = `bulkhead-${instance}-events`;
    // Network events carry the name, not the labels: the name is what selects them.
    const events = await engine.stream({ method: 'GET', path: '/events', query: { filters: JSON.stringify({ type: ['network'], network: [name] }) } }, stop.signal);
    expect(events.status).toBe(200);
    const seen = new Promise<Record<string, unknown>>((resolve) => {
      let pending = '';
      events.stream.on('data', (chunk: Buffer) => {
        pending += chunk.toString();
        for (const line of pending.split('\n').slice(0, -1)) {
          const event = JSON.parse(line) as { Action?: string; Actor?: { Attributes?: Record<string, string> } };
          if (event.Action === 'create' && event.Actor?.Attributes?.name === name) resolve(event as Record<string, unknown>);
        }
        pending = pending.slice(pending.lastIndexOf('\n') + 1);
      });
    });
    events.stream.on('error', () => undefined);
    await engine.run(`create network ${name}`, (docker) => docker.createNetwork({
      Name: name, Internal: true, Labels: objectLabels({ instance, session: 'events', expiresAt: Date.now() + 60_000 }, ROLE_NETWORK),
    }));
    try {
      await expect(seen).resolves.toMatchObject({ Type: 'network', Action: 'create' });
    } finally {
      stop.abort();
    }
    const [created] = await engine.must('list the network', (docker) => docker.listNetworks({ filters: { label: ownerFilters({ instance, session: 'events', role: ROLE_NETWORK }) } }));
    expect(created?.Name).toBe(name);
  });

  it('counts a benign status as success and names what was refused otherwise', async () => {
    expect(await engine.run('remove a container that is not there', (docker) => docker.getContainer('bulkhead-no-such-container').remove(), [404])).toBeUndefined();
    const refused = engine.run('inspect a container that is not there', (docker) => docker.getContainer('bulkhead-no-such-container').inspect());
    await expect(refused).rejects.toBeInstanceOf(EngineError);
    await expect(refused).rejects.toThrow(/Docker Engine refused to inspect a container that is not there/);
    expect(await engine.json('inspect a missing network', { method: 'GET', path: '/networks/bulkhead-no-such-network' }, { benign: [404] })).toBeUndefined();
    await expect(engine.json('inspect a missing network', { method: 'GET', path: '/networks/bulkhead-no-such-network' })).rejects.toThrow(/refused to inspect a missing network \(HTTP 404\)/);
  });

  it('says which address it could not reach, as EngineUnavailableError', async () => {
    const nowhere = new Engine({ DOCKER_HOST: `unix://${join(dir, 'nothing-here.sock')}` });
    const ping = nowhere.ping();
    await expect(ping).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(ping).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE', status: 503 });
    await expect(ping).rejects.toThrow(new RegExp(`^Docker Engine not reachable at unix://${join(dir, 'nothing-here.sock')} \\(.*ENOENT\\).*DOCKER_HOST`));
    await expect(nowhere.call({ method: 'GET', path: '/containers/json' })).rejects.toBeInstanceOf(EngineUnavailableError);
    await expect(nowhere.run('list containers', (docker) => docker.listContainers())).rejects.toBeInstanceOf(EngineUnavailableError);
  });
});

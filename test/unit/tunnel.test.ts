/**
 * The tunnel's two ends against each other: the real relay (Perl, as the sandbox runs it) as a child
 * process of the test, lab-server's end in-process. The sandbox-side clients are plain Unix-socket and
 * TCP connections on the test's host.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RELAY_NAME, relayCommand } from '../../lab-server/tunnel/relay.ts';
import { SessionTunnel } from '../../lab-server/tunnel/supervisor.ts';
import { openTunnel, type RelayProcess, type Tunnel, type TunnelChannel } from '../../lab-server/tunnel/tunnel.ts';

let dir: string;
let socketPath: string;
const children: ChildProcess[] = [];

function relay(command: readonly string[]): RelayProcess & { child: ChildProcess } {
  const [file, ...args] = command;
  const child = spawn(file!, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  const ended = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, stdin: child.stdin!, stdout: child.stdout!, stderr: child.stderr!, ended, close: () => child.stdin!.end() };
}

function client(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath, () => resolve(socket));
    socket.once('error', reject);
  });
}

function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });
}

function listen(handler: (socket: Socket) => void): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer(handler).listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bulkhead-tunnel-'));
  socketPath = join(dir, 'docker.sock');
});

afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe('the tunnel', () => {
  let tunnel: Tunnel;
  beforeEach(async () => {
    tunnel = await openTunnel(relay(relayCommand(socketPath)), 10_000);
  });

  it('listens with a socket only its owner may use, and carries bytes both ways with half-closes', async () => {
    expect((await stat(socketPath)).mode & 0o777).toBe(0o600);
    tunnel.accept((channel) => {
      const upper = readAll(channel).then((all) => channel.end(all.toString().toUpperCase()));
      void upper;
    });
    const socket = await client();
    socket.end('hello through the tunnel');
    expect((await readAll(socket)).toString()).toBe('HELLO THROUGH THE TUNNEL');
  });

  it('moves 24 MiB each way intact', async () => {
    const payload = Buffer.alloc(24 * 1024 * 1024);
    for (let i = 0; i < payload.length; i += 4096) payload.writeUInt32BE(i, i);
    tunnel.accept((channel) => { void readAll(channel).then((all) => channel.end(all)); });
    const socket = await client();
    const back = readAll(socket);
    socket.end(payload);
    expect((await back).equals(payload)).toBe(true);
  });

  it('holds up only the channel whose reader stops, and resumes it when the reader reads', async () => {
    const channels: TunnelChannel[] = [];
    tunnel.accept((channel) => channels.push(channel));
    const slow = await client();
    const fast = await client();
    await expect.poll(() => channels.length).toBe(2);
    const [slowEnd, fastEnd] = channels as [TunnelChannel, TunnelChannel];
    slow.pause();
    // Write as fast as the channel lets us for half a second while nobody reads.
    let written = 0;
    let pumping = true;
    const chunk = Buffer.alloc(64 * 1024, 1);
    const pump = (async () => {
      while (pumping) {
        written += chunk.length;
        if (!slowEnd.write(chunk)) await new Promise((resolve) => slowEnd.once('drain', resolve));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 500));
    // The window (256 KiB), the relay's buffer and the kernel's socket buffers: well under 4 MiB, not everything.
    const heldAt = written;
    expect(heldAt).toBeLessThan(4 * 1024 * 1024);
    fastEnd.end('still moving');
    expect((await readAll(fast)).toString()).toBe('still moving');
    let received = 0;
    slow.on('data', (c: Buffer) => { received += c.length; });
    slow.resume();
    await expect.poll(() => written, { timeout: 5_000 }).toBeGreaterThan(heldAt + 8 * 1024 * 1024);
    pumping = false;
    await pump;
    slowEnd.end();
    await new Promise((resolve) => slow.once('end', resolve));
    expect(received).toBe(written);
  });

  it('opens TCP connections on request, and says why one fails', async () => {
    const { server, port } = await listen((socket) => socket.end('from the app'));
    const channel = await tunnel.connect('127.0.0.1', port);
    if (typeof channel === 'string') throw new Error(channel);
    expect((await readAll(channel)).toString()).toBe('from the app');
    channel.end();
    server.close();
    expect(await tunnel.connect('127.0.0.1', port)).toMatch(/refused/i);
    expect(await tunnel.connect('not-an-ip; rm -rf /', 80)).toMatch(/not an address/);
  });

  it('ends every channel when the relay stops', async () => {
    const channels: TunnelChannel[] = [];
    tunnel.accept((channel) => channels.push(channel));
    const socket = await client();
    socket.resume();
    await expect.poll(() => channels.length).toBe(1);
    const closed = new Promise((resolve) => channels[0]!.once('close', resolve));
    const clientClosed = new Promise((resolve) => socket.once('close', resolve));
    await tunnel.close();
    await closed;
    await clientClosed;
  });
});

describe('the tunnel supervisor', () => {
  it('starts a new relay when the learner kills it, and the socket works again', async () => {
    const spawned: Array<ReturnType<typeof relay>> = [];
    const warnings: string[] = [];
    const supervisor = new SessionTunnel({
      spawn: async (command) => { const r = relay(command); spawned.push(r); return r; },
      socketPath, session: 's', log: { warn: (line) => warnings.push(line) },
    });
    supervisor.accept((channel) => channel.end('gate'));
    await supervisor.start();
    expect((await readAll(await client())).toString()).toBe('gate');
    spawned[0]!.child.kill('SIGKILL');
    await expect.poll(() => spawned.length, { timeout: 5_000 }).toBe(2);
    await expect.poll(async () => (await readAll(await client().catch(() => connect('/nonexistent')))).toString(), { timeout: 5_000 }).toBe('gate');
    expect(warnings.join('\n')).toContain(RELAY_NAME);
    await supervisor.close();
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(spawned.length).toBe(2);
  });

  it('fails with the relay\'s own words when it cannot listen', async () => {
    const supervisor = new SessionTunnel({ spawn: async (command) => relay(command), socketPath: join(dir, 'missing', 'docker.sock'), session: 's', log: { warn: () => undefined } });
    await expect(supervisor.start()).rejects.toThrow(/cannot listen on .*missing/);
    await supervisor.close();
  });
});

/**
 * The WeTTY reference: WeTTY 3.x from the npm registry, installed into a scratch folder (never a project
 * dependency), serving `docker exec -it CONTAINER bash -l` and driven by socket.io-client with the events
 * its own browser client uses: `input` and `resize` up, `data` down, `commit` every 256 KiB for its flow
 * control (without commits WeTTY pauses the pty after 2 MiB).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { onCleanup } from '../lib/cleanup.ts';
import { progress } from '../lib/progress.ts';
import { COLS, OutputListeners, ROWS, type BenchTerminal, type Chunk } from './terminal.ts';

const exec = promisify(execFile);
export const SCRATCH_DIR = fileURLToPath(new URL('../.cache/wetty/', import.meta.url));
const WETTY_MAIN = join(SCRATCH_DIR, 'node_modules/wetty/build/main.js');
/** What WeTTY's browser client acknowledges at a time (FlowControlClient.ackBytes). */
const WETTY_ACK_BYTES = 262_144;
const START_TIMEOUT_MS = 20_000;
const INSTALL_TIMEOUT_MS = 300_000;

export type Setup = { ok: true; version: string; notes: string[] } | { ok: false; reason: string; notes: string[] };

/** npm from the same Node as the bench. */
function npm(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
  return exec('npm', args, { cwd: SCRATCH_DIR, env, timeout: INSTALL_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 });
}

/** Loads node-pty in a child process, so a broken native module cannot take the bench down. */
async function nodePtyLoads(): Promise<boolean> {
  try {
    await exec(process.execPath, ['-e', "require('node-pty').spawn('true', [], {}).onExit(() => process.exit(0))"], { cwd: SCRATCH_DIR, timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

function installedVersion(name: string): string | undefined {
  const file = join(SCRATCH_DIR, 'node_modules', name, 'package.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : undefined;
}

/**
 * Installs WeTTY 3 and socket.io-client into the scratch folder when missing, and makes node-pty load:
 * npm 11 skips dependencies' install scripts unless the project's `allowScripts` lists them (and refuses
 * `--allow-scripts` for a project-scoped install), so when the native module is missing we approve
 * node-pty in the scratch folder's package.json and rebuild it (node-gyp; python3, make and g++ needed).
 */
export async function ensureWetty(): Promise<Setup> {
  const notes: string[] = [];
  try {
    if (!installedVersion('wetty')?.startsWith('3.') || !installedVersion('socket.io-client')) {
      progress(`installing wetty@3 and socket.io-client@4 into ${SCRATCH_DIR}`);
      await exec('mkdir', ['-p', SCRATCH_DIR]);
      await npm(['install', '--prefix', SCRATCH_DIR, '--no-audit', '--no-fund', 'wetty@3', 'socket.io-client@4']);
      notes.push('npm install --prefix bench/.cache/wetty wetty@3 socket.io-client@4');
    }
    if (!(await nodePtyLoads())) {
      progress('node-pty does not load; approving its install scripts in the scratch folder and rebuilding it');
      await npm(['install-scripts', 'approve', 'node-pty']);
      await npm(['rebuild', 'node-pty', '--foreground-scripts']);
      notes.push('npm install-scripts approve node-pty && npm rebuild node-pty --foreground-scripts');
      if (!(await nodePtyLoads())) return { ok: false, reason: 'node-pty (needed by WeTTY) does not load, even after `npm rebuild node-pty`', notes };
    } else {
      notes.push(`node-pty ${installedVersion('node-pty')} loads as installed`);
    }
    return { ok: true, version: installedVersion('wetty') as string, notes };
  } catch (error) {
    return { ok: false, reason: `WeTTY could not be installed: ${String(error).split('\n')[0]}`, notes };
  }
}

/** A module from the scratch folder (not a project dependency, so it is loaded by path). */
export function scratchRequire<T>(name: string): T {
  return createRequire(join(SCRATCH_DIR, 'package.json'))(name) as T;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface WettyServer {
  url: string;
  stop(): Promise<void>;
}

/** `wetty --host 127.0.0.1 --port P --command "docker exec -it CONTAINER bash -l"`; as root on localhost WeTTY runs the command directly. */
export async function startWetty(container: string): Promise<WettyServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [WETTY_MAIN, '--host', '127.0.0.1', '--port', String(port), '--command', `docker exec -it ${container} bash -l`], {
    cwd: SCRATCH_DIR, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = onCleanup(`wetty pid ${child.pid}`, async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await exited;
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`WeTTY did not start within ${START_TIMEOUT_MS} ms: ${output}`)), START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4_000);
      if (!output.includes('Server started')) return;
      clearTimeout(timer);
      resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`WeTTY exited with ${code}: ${output}`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return { url: `http://127.0.0.1:${port}`, stop };
}

/** The part of socket.io-client's Socket the bench uses. */
interface IoSocket {
  on(event: string, listener: (data: unknown) => void): IoSocket;
  emit(event: string, ...args: unknown[]): IoSocket;
  close(): IoSocket;
  readonly connected: boolean;
}
type Io = (url: string, options: Record<string, unknown>) => IoSocket;

export class WettyTerminal implements BenchTerminal {
  readonly system = 'wetty';
  private readonly socket: IoSocket;
  private readonly output = new OutputListeners();
  private unacknowledged = 0;

  private constructor(socket: IoSocket) {
    this.socket = socket;
    socket.on('data', (data) => {
      const text = String(data);
      this.output.emit(text);
      this.unacknowledged += text.length;
      while (this.unacknowledged >= WETTY_ACK_BYTES) {
        this.unacknowledged -= WETTY_ACK_BYTES;
        socket.emit('commit', WETTY_ACK_BYTES);
      }
    });
  }

  /**
   * Connects straight over WebSocket (the browser client starts with HTTP long-polling and upgrades),
   * the most favourable transport for WeTTY; resolves once WeTTY spawned the command.
   */
  static async connect(url: string, timeoutMs = 20_000): Promise<WettyTerminal> {
    const { io } = scratchRequire<{ io: Io }>('socket.io-client');
    const socket = io(url, { path: '/socket.io', transports: ['websocket'], forceNew: true, reconnection: false });
    const terminal = new WettyTerminal(socket);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`wetty: no login within ${timeoutMs} ms`)), timeoutMs);
      socket.on('connect', () => socket.emit('resize', { cols: COLS, rows: ROWS }));
      socket.on('connect_error', (error) => {
        clearTimeout(timer);
        reject(new Error(`wetty: ${String(error)}`));
      });
      socket.on('login', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return terminal;
  }

  send(text: string): void {
    this.socket.emit('input', text);
  }

  onOutput(listener: (chunk: Chunk) => void): () => void {
    return this.output.add(listener);
  }

  async close(): Promise<void> {
    this.socket.close();
  }
}

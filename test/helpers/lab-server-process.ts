/**
 * Starts lab-server as its own process (as `npm start` would) and waits until it prints its URL.
 * The one implementation behind both the tests' `startServerProcess` and the bench's `spawnLabServer`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** `node lab-server/main.ts`, exactly as an operator starts it. */
export const MAIN_ENTRY = 'lab-server/main.ts';
/** The flags `npm start` runs lab-server with (package.json "start"), so tests and bench run the same process. */
export const LAB_SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2'];
/** How much of the server's stdout and stderr is kept: the last this many characters. */
const OUTPUT_LIMIT = 8_000;
const START_TIMEOUT_MS = 30_000;

export interface LabServerChild {
  process: ChildProcess;
  /** Resolves with the URL the server prints; rejects if it exits first or does not print it in time. */
  url: Promise<string>;
  /** The last OUTPUT_LIMIT characters of stdout and stderr. */
  output(): string;
  /** SIGTERM (unless it has exited already), then SIGKILL after `killAfterMs` if given; resolves on exit. */
  stop(killAfterMs?: number): Promise<void>;
}

/**
 * Spawns `node <LAB_SERVER_NODE_FLAGS> <entry>` in ROOT with PORT=0 and DRAIN_GRACE_S=0 (so `stop` ends
 * at once; the drain test sets its own grace) unless `env` says otherwise.
 */
export function spawnLabServerProcess(entry: string, env: Record<string, string>): LabServerChild {
  const child = spawn(process.execPath, [...LAB_SERVER_NODE_FLAGS, entry], { cwd: ROOT, env: { ...process.env, PORT: '0', DRAIN_GRACE_S: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`lab-server did not start within ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-OUTPUT_LIMIT);
      // The URL ends at white space or at the closing quote of the JSON log line.
      const match = /running at (http:\/\/[^\s"]+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`lab-server exited with ${code}:\n${output}`));
    });
  });
  return {
    process: child,
    url,
    output: () => output,
    async stop(killAfterMs) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface RunningServer {
  url: string;
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** lab-server/main.ts with a fresh temporary DATA_DIR unless `env` names one. */
export async function startServerProcess(env: Record<string, string>): Promise<RunningServer> {
  const server = spawnLabServerProcess(MAIN_ENTRY, { DATA_DIR: mkdtempSync(join(tmpdir(), 'bulkhead-server-')), ...env });
  // A server that never printed its URL is stopped, not left behind.
  const url = await server.url.catch(async (error: unknown) => { await server.stop(5_000); throw error; });
  return { url, process: server.process, output: server.output, stop: () => server.stop() };
}

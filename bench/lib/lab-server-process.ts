/** Starts a lab-server in its own process (so its event loop and memory are its own) and stops it. */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { onCleanup } from './cleanup.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const FIXTURE_CONTENT = fileURLToPath(new URL('../../test/fixtures/content/', import.meta.url));
/** `node lab-server/main.ts`, exactly as an operator starts it. */
export const MAIN_ENTRY = 'lab-server/main.ts';
/** main.ts plus session caps from BENCH_CAPS. */
export const BENCH_ENTRY = 'bench/lab-server-entry.ts';
const START_TIMEOUT_MS = 30_000;
/** Closing removes every sandbox; 120 of them take a while on a 2-core machine. */
const STOP_TIMEOUT_MS = 180_000;

export interface ServerProcess {
  url: string;
  pid: number;
  /** Resident set size now, from /proc/<pid>/status. */
  rssBytes(): Promise<number>;
  stop(): Promise<void>;
}

/** The flags `npm start` runs lab-server with (package.json), so the bench measures the same process. */
const LAB_SERVER_NODE_FLAGS = ['--max-semi-space-size=2'];

export async function spawnLabServer(entry: string, env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...LAB_SERVER_NODE_FLAGS, entry], { cwd: ROOT, env: { ...process.env, PORT: '0', CONTENT_DIR: FIXTURE_CONTENT, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = onCleanup(`lab-server pid ${child.pid}`, async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`lab-server did not start within ${START_TIMEOUT_MS} ms:\n${output}`)), START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8_000);
      const match = /running at (http:\/\/\S+)/.exec(output);
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
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return {
    url,
    pid: child.pid as number,
    async rssBytes() {
      const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
      const kib = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
      if (!Number.isFinite(kib)) throw new Error(`no VmRSS for pid ${child.pid}`);
      return kib * 1024;
    },
    stop,
  };
}

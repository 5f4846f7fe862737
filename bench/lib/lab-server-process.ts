/** Starts a lab-server in its own process (so its event loop and memory are its own) and stops it. */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { MAIN_ENTRY, ROOT, spawnLabServerProcess } from '../../test/helpers/lab-server-process.ts';
import { onCleanup } from './cleanup.ts';

export { MAIN_ENTRY, ROOT };
export const FIXTURE_CONTENT = fileURLToPath(new URL('../../test/fixtures/content/', import.meta.url));
/** main.ts plus session caps from BENCH_CAPS. */
export const BENCH_ENTRY = 'bench/lab-server-entry.ts';
/** Closing removes every sandbox; 120 of them take a while on a 2-core machine. */
const STOP_TIMEOUT_MS = 180_000;

export interface ServerProcess {
  url: string;
  pid: number;
  /** Resident set size now, from /proc/<pid>/status. */
  rssBytes(): Promise<number>;
  stop(): Promise<void>;
}

export async function spawnLabServer(entry: string, env: Record<string, string>): Promise<ServerProcess> {
  const server = spawnLabServerProcess(entry, { CONTENT_DIR: FIXTURE_CONTENT, ...env });
  const pid = server.process.pid as number;
  const stop = onCleanup(`lab-server pid ${pid}`, () => server.stop(STOP_TIMEOUT_MS));
  const url = await server.url.catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  return {
    url,
    pid,
    async rssBytes() {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const kib = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
      if (!Number.isFinite(kib)) throw new Error(`no VmRSS for pid ${pid}`);
      return kib * 1024;
    },
    stop,
  };
}

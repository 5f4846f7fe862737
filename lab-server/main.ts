/**
 * lab-server's entry: `node lab-server/main.ts` (npm start builds what is missing first, then calls
 * `main`). The only module that imports app.ts; tests and the bench start servers through it too.
 */
import { loadConfig } from './config.ts';
import { LabError } from './errors.ts';
import { startLabServer, type LabServer } from './app.ts';
import { createLogger } from './ops/log.ts';

export { startLabServer, type LabServer, type LabServerOptions } from './app.ts';

/**
 * A second signal this soon after the first is the same stop seen twice (a signal to the process group
 * that scripts/node24.cjs also forwards), not a second request.
 */
const DUPLICATE_SIGNAL_MS = 1_000;

/**
 * How signals stop the server (docs/operations.md): SIGTERM drains (no new labs, open ones keep running
 * for DRAIN_GRACE_S, then end) and exits 0; SIGINT (Ctrl-C), or a second SIGTERM during the drain, ends
 * the sessions at once, removes their sandboxes and exits 0; one more signal while that runs exits 130
 * without waiting (the reaper removes what is left at the next start).
 */
export function handleSignals(lab: Pick<LabServer, 'drain' | 'close' | 'log'>, exit: (code: number) => void = (code) => process.exit(code)): (signal: NodeJS.Signals) => void {
  let phase: 'running' | 'draining' | 'closing' = 'running';
  let lastAt = -Infinity;
  const failed = (error: unknown) => {
    lab.log.error({ event: 'server.stop_failed', err: error instanceof Error ? error.stack ?? error.message : String(error) }, 'Stopping failed; the reaper removes what is left at the next start');
    exit(1);
  };
  return (signal) => {
    const now = Date.now();
    if (now - lastAt < DUPLICATE_SIGNAL_MS) return;
    lastAt = now;
    if (phase === 'running' && signal === 'SIGTERM') {
      phase = 'draining';
      lab.log.info({ event: 'server.signal', signal, action: 'drain' }, `${signal}: draining (${signal} again to end the labs at once)`);
      void lab.drain().then(() => exit(0), failed);
      return;
    }
    if (phase !== 'closing') {
      phase = 'closing';
      lab.log.info({ event: 'server.signal', signal, action: 'close' }, `${signal}: ending every lab and removing the sandboxes (${signal} again to stop without waiting)`);
      void lab.close().then(() => exit(0), failed);
      return;
    }
    lab.log.warn({ event: 'server.signal', signal, action: 'exit' }, `${signal}: stopping without waiting; the reaper removes what is left at the next start`);
    exit(130);
  };
}

/** Starts lab-server from the environment and runs it until a signal stops it; a bad setting exits 1 with its sentence. */
export async function main(): Promise<void> {
  try {
    const config = loadConfig();
    const lab = await startLabServer(config);
    const state = await lab.labsAvailable();
    // Scripts and tests wait for this line's URL.
    lab.log.info({ event: 'server.listening', url: lab.url }, `Bulkhead is running at ${lab.url}`);
    if (!state.ok) lab.log.warn({ event: 'server.reading_mode', reason: state.reason }, `Reading mode: ${state.reason}`);
    const stop = handleSignals(lab);
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  } catch (error) {
    createLogger({ format: process.stdout.isTTY ? 'pretty' : 'json' }).error(
      { event: 'server.start_failed', code: error instanceof LabError ? error.code : 'INTERNAL' },
      error instanceof LabError ? error.message : error instanceof Error ? error.stack ?? error.message : String(error),
    );
    process.exit(1);
  }
}

if (import.meta.main) await main();

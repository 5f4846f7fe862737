/**
 * lab-server's entry: `node lab-server/main.ts` (npm start builds what is missing first, then calls
 * `main`). The only module that imports app.ts; tests and the bench start servers through it too.
 */
import { loadConfig } from './config.ts';
import { LabError } from './errors.ts';
import { startLabServer } from './app.ts';

export { startLabServer, type LabServer, type LabServerOptions } from './app.ts';

/**
 * A second signal this soon after the first is the same stop seen twice (a signal to the process group
 * that scripts/node24.cjs also forwards); a later one ends at once, without waiting for the cleanup.
 */
const DUPLICATE_SIGNAL_MS = 1_000;

/** Starts lab-server from the environment and runs it until SIGINT or SIGTERM; a bad setting exits 1 with its sentence. */
export async function main(): Promise<void> {
  try {
    const config = loadConfig();
    const lab = await startLabServer(config);
    const state = await lab.labsAvailable();
    console.log(`Bulkhead is running at ${lab.url}`);
    if (!state.ok) console.log(`Reading mode: ${state.reason}`);
    let stoppingSince: number | undefined;
    const stop = (signal: string) => {
      if (stoppingSince !== undefined) {
        if (Date.now() - stoppingSince > DUPLICATE_SIGNAL_MS) process.exit(130);
        return;
      }
      stoppingSince = Date.now();
      console.log(`${signal}: removing sandboxes and stopping… (${signal} again to stop at once)`);
      void lab.close().then(() => process.exit(0));
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  } catch (error) {
    console.error(error instanceof LabError ? error.message : error);
    process.exit(1);
  }
}

if (import.meta.main) await main();

/**
 * lab-server's entry: `node lab-server/main.ts` (npm start builds what is missing first, then calls
 * `main`). The only module that imports app.ts; tests and the bench start servers through it too.
 */
import { loadConfig } from './config.ts';
import { LabError } from './errors.ts';
import { startLabServer } from './app.ts';

export { startLabServer, type LabServer, type LabServerOptions } from './app.ts';

/** Starts lab-server from the environment and runs it until SIGINT or SIGTERM; a bad setting exits 1 with its sentence. */
export async function main(): Promise<void> {
  try {
    const config = loadConfig();
    const lab = await startLabServer(config);
    const state = await lab.labsAvailable();
    console.log(`Bulkhead is running at ${lab.url}`);
    if (!state.ok) console.log(`Reading mode: ${state.reason}`);
    const stop = (signal: string) => {
      console.log(`${signal}: removing sandboxes and stopping…`);
      void lab.close().then(() => process.exit(0));
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  } catch (error) {
    console.error(error instanceof LabError ? error.message : error);
    process.exit(1);
  }
}

if (import.meta.main) await main();

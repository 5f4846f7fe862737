/** lab-server entry: `node lab-server/main.ts` (npm start builds what is missing first). */
import { loadConfig } from './config.ts';
import { LabError } from './errors.ts';
import { startLabServer } from './app.ts';

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

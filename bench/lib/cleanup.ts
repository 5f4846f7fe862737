/**
 * Everything the bench starts registers its own removal here; `runCleanups` undoes them newest first,
 * at the end of a run, after a failure, or on Ctrl-C.
 */
import { progress } from './progress.ts';

type Cleanup = { what: string; run: () => Promise<unknown> };
const cleanups: Cleanup[] = [];

/** Registers a removal; the returned function runs it early (and only once). */
export function onCleanup(what: string, run: () => Promise<unknown>): () => Promise<void> {
  const entry: Cleanup = { what, run };
  cleanups.push(entry);
  return async () => {
    const index = cleanups.indexOf(entry);
    if (index < 0) return;
    cleanups.splice(index, 1);
    await entry.run();
  };
}

export async function runCleanups(): Promise<void> {
  while (cleanups.length) {
    const entry = cleanups.pop() as Cleanup;
    try {
      await entry.run();
    } catch (error) {
      progress(`cleanup of ${entry.what} failed: ${String(error)}`);
    }
  }
}

/** A bench script's entry: runs `main`, reports a failure with its stack and exit code 1, and always cleans up. */
export async function runScript(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    progress(`failed: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
    process.exitCode = 1;
  } finally {
    await runCleanups();
  }
}

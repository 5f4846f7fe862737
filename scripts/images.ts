/**
 * `npm run images [-- --only shell,web] [--force] [--verbose]`: builds the lab images through the
 * Docker Engine API (the one engine client, at DOCKER_HOST). An image whose content-hash tag already
 * exists is skipped, so a rerun with nothing changed takes seconds. When no registry answers, the base
 * image is bootstrapped from the Debian mirror with debootstrap. See docs/images.md. The parts live in
 * scripts/images/: flags, engine streams, base image (and its rootfs), build.
 */
import { engineEnv, loadConfig } from '../lab-server/config.ts';
import { engineFromConfig } from '../lab-server/engine/from-config.ts';
import { LabError } from '../lab-server/errors.ts';
import { ensureBase } from './images/base-image.ts';
import { ensureImage, printSummary, type Result } from './images/build.ts';
import { checkEngine } from './images/engine-streams.ts';
import { parseOptions } from './images/flags.ts';
import { ImagesError, step } from './images/report.ts';

const controller = new AbortController();

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  // once: a second Ctrl-C falls through to Node's default and ends the process at once.
  process.once('SIGINT', () => controller.abort(new ImagesError('INTERRUPTED', 'Interrupted; nothing half-built was tagged, so `npm run images` picks up where it stopped.')));
  const engine = engineFromConfig(loadConfig(engineEnv()));
  step(`checking the Docker Engine at ${engine.where}`);
  await checkEngine(engine);
  await ensureBase(engine, options, controller.signal);
  const results: Result[] = [];
  for (const image of options.only) results.push(await ensureImage(engine, image, options, controller.signal));
  printSummary(results);
  step(`done: ${results.filter((r) => r.outcome === 'built').length} built, ${results.filter((r) => r.outcome === 'skipped').length} up to date`);
}

try {
  await main();
} catch (error) {
  // After Ctrl-C, whatever call was in flight fails with a bare AbortError; the reason says it better.
  const reported: unknown = controller.signal.aborted ? controller.signal.reason : error;
  if (!(reported instanceof LabError)) throw reported;
  console.error(`npm run images: ${reported.message}`);
  process.exitCode = 1;
}

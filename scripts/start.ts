/**
 * `npm start`: builds the site and the lab images when they are missing, then runs lab-server.
 * Without a Docker Engine it still starts, in reading mode, and says how to get labs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../lab-server/config.ts';
import { LabError } from '../lab-server/errors.ts';
import { imageRefs } from '../lab-server/images.ts';
import { runtimeFromConfig } from '../lab-server/runtime/docker-runtime.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));

function npmRun(script: string): void {
  const result = spawnSync('npm', ['run', script], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`\`npm run ${script}\` failed (exit ${result.status ?? result.signal}); fix the error above and run \`npm start\` again.`);
    process.exit(1);
  }
}

try {
  const config = loadConfig();
  if (!existsSync(`${config.SITE_DIR}/index.html`)) {
    console.log('The site is not built yet: building it (npm run build)…');
    npmRun('build');
  }
  const runtime = runtimeFromConfig(config);
  try {
    await runtime.ping();
    if (!(await runtime.hasImage((await imageRefs('shell')).hashTag))) {
      console.log('The lab images are missing or out of date: building them (npm run images)…');
      npmRun('images');
    }
  } catch (error) {
    if (!(error instanceof LabError)) throw error;
    console.log(error.message);
  }
  const { main } = await import('../lab-server/main.ts');
  await main();
} catch (error) {
  console.error(error instanceof LabError ? error.message : error);
  process.exit(1);
}

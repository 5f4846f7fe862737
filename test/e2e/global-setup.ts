/**
 * e2e setup: builds the site as `npm start` would, checks the lab image exists, and starts one lab-server
 * process for the e2e files, labelled with its own instance so its sandboxes are found and removed.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { imageRefs } from '../../lab-server/images.ts';
import { startServerProcess } from '../helpers/lab-server-process.ts';
import { testRuntime } from '../helpers/docker.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export default async function setup(project: TestProject) {
  const instance = `test-e2e-${randomBytes(4).toString('hex')}`;
  const runtime = testRuntime(instance);
  const shell = (await imageRefs('shell')).hashTag;
  if (!(await runtime.hasImage(shell))) throw new Error(`e2e tests need the lab image ${shell}: run \`npm run images\` first.`);
  console.log('e2e: building the site (npm run build)…');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const server = await startServerProcess({ BULKHEAD_INSTANCE: instance });
  project.provide('baseUrl', server.url);
  return async () => {
    await server.stop();
    await runtime.removeAll();
  };
}

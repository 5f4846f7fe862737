/**
 * Docker Compose v2 for tests that run the compose deployment: the docker CLI's plugin where the machine
 * has one, a `docker-compose` v2 on PATH, or else the plugin binary out of the lab's own shell image
 * (trixie's Compose v2), copied once into .tools/bin. Nothing is downloaded.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { imageRefs } from '../../lab-server/images.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LOCAL = `${ROOT}.tools/bin/docker-compose`;
const PLUGIN_IN_IMAGE = '/usr/libexec/docker/cli-plugins/docker-compose';

async function isComposeV2(command: string[]): Promise<boolean> {
  try {
    const { stdout } = await run(command[0]!, [...command.slice(1), 'version', '--short'], { timeout: 20_000 });
    return /^v?2\./.test(stdout.trim());
  } catch {
    return false;
  }
}

export async function composeCommand(): Promise<string[]> {
  for (const candidate of [['docker', 'compose'], ['docker-compose'], [LOCAL]]) {
    if (await isComposeV2(candidate)) return candidate;
  }
  mkdirSync(`${ROOT}.tools/bin`, { recursive: true });
  const image = (await imageRefs('shell')).hashTag;
  const { stdout } = await run('docker', ['create', image]);
  const container = stdout.trim();
  try {
    await run('docker', ['cp', `${container}:${PLUGIN_IN_IMAGE}`, LOCAL]);
  } finally {
    await run('docker', ['rm', container]);
  }
  if (!existsSync(LOCAL) || !(await isComposeV2([LOCAL]))) throw new Error(`No Docker Compose v2 found, and none in ${image} at ${PLUGIN_IN_IMAGE}.`);
  return [LOCAL];
}

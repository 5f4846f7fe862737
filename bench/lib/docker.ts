/**
 * The bench's own Docker objects: the references' containers (equivalent to a learner sandbox, see
 * lab-server/runtime/hardening.ts) and the lab-servers' sandboxes, each removed by label afterwards.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { engineEnv, loadConfig } from '../../lab-server/config.ts';
import { imageRefs } from '../../lab-server/images.ts';
import { DockerRuntime, runtimeFromConfig } from '../../lab-server/runtime/docker-runtime.ts';
import { onCleanup } from './cleanup.ts';
import { progress } from './progress.ts';

const exec = promisify(execFile);
/** On every reference container; deliberately not `bulkhead.instance`, so no lab-server's reaper touches them. */
export const BENCH_LABEL = 'bulkhead-bench.run';
/** One id per bench run, in container names and labels. */
export const RUN_ID = randomBytes(3).toString('hex');

export async function docker(...args: string[]): Promise<string> {
  try {
    const { stdout } = await exec('docker', args, { maxBuffer: 16 * 1024 * 1024 });
    return stdout.trim();
  } catch (error) {
    throw new Error(`docker ${args.slice(0, 2).join(' ')} failed: ${(error as { stderr?: string }).stderr?.trim() || String(error)}`, { cause: error });
  }
}

/** The learner image the lab-server would run now; refuses early when it is not built. */
export async function shellImage(): Promise<string> {
  const image = (await imageRefs('shell')).hashTag;
  await docker('image', 'inspect', '--format', '{{.Id}}', image).catch((error: unknown) => {
    throw new Error(`The lab image ${image} is not built: run \`npm run images\` first.`, { cause: error });
  });
  return image;
}

/** A container with the same confinement as a learner sandbox (and hostname, so the prompt is the same). */
export async function startReferenceContainer(image: string, role: string): Promise<string> {
  const name = `bulkhead-bench-${RUN_ID}-${role}`;
  const tmpfs = 'rw,nosuid,nodev,size=64m';
  await docker(
    'run', '-d', '--name', name, '--label', `${BENCH_LABEL}=${RUN_ID}`, '--hostname', 'lab', '--init', '-u', '1000:1000',
    '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--read-only',
    '--tmpfs', `/tmp:${tmpfs},mode=1777`, '--tmpfs', `/home/learner:${tmpfs},mode=0700,uid=1000,gid=1000`,
    '--memory', '256m', '--memory-swap', '256m', '--cpus', '0.5', '--pids-limit', '256', '--ulimit', 'nofile=1024:1024',
    '--ipc', 'private', '--network', 'none', '--log-opt', 'max-size=1m', image, 'sleep', 'infinity',
  );
  onCleanup(`container ${name}`, () => docker('rm', '-f', name));
  return name;
}

/** Every reference container of this run, whatever happened to the individual cleanups. */
export async function removeReferenceContainers(): Promise<number> {
  const ids = (await docker('ps', '-aq', '--filter', `label=${BENCH_LABEL}=${RUN_ID}`)).split('\n').filter(Boolean);
  if (ids.length) await docker('rm', '-f', ...ids);
  return ids.length;
}

/** A unique lab-server instance name; its sandboxes are removed by label when the run ends. */
export function benchInstance(purpose: string): string {
  const instance = `bench-${RUN_ID}-${purpose}`;
  onCleanup(`sandboxes of ${instance}`, async () => {
    const removed = await instanceRuntime(instance).removeAll();
    if (removed) progress(`removed ${removed} leftover object(s) of ${instance}`);
  });
  return instance;
}

export function instanceRuntime(instance: string, env: Record<string, string> = {}): DockerRuntime {
  return runtimeFromConfig(loadConfig({ ...engineEnv(), ...env, BULKHEAD_INSTANCE: instance }));
}

export async function engineDescription(): Promise<string> {
  const info = await docker('info', '--format', '{{.ServerVersion}} cgroup v{{.CgroupVersion}} {{.CgroupDriver}} {{.Driver}}').catch(() => 'unknown');
  return `Docker Engine ${info}`;
}

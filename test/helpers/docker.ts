/** Real-engine test helpers: a runtime labelled with a unique instance, so cleanup by label is exact. */
import { randomBytes } from 'node:crypto';
import { imageRefs } from '../../lab-server/images.ts';
import { DockerRuntime, runtimeFromConfig } from '../../lab-server/runtime/docker-runtime.ts';
import { engineEnv, loadConfig } from '../../lab-server/config.ts';

export function uniqueInstance(prefix: string): string {
  return `test-${prefix}-${randomBytes(4).toString('hex')}`;
}

/** The tests' engine is the one DOCKER_HOST (and the docker CLI's TLS variables) name, as for lab-server. */
export function testConfig(instance: string) {
  return loadConfig({ ...engineEnv(), BULKHEAD_INSTANCE: instance });
}

export function testRuntime(instance: string): DockerRuntime {
  return runtimeFromConfig(testConfig(instance));
}

export async function shellImage(): Promise<string> {
  return (await imageRefs('shell')).hashTag;
}

/** Every container still labelled with the instance, running or not. */
export async function leftovers(runtime: DockerRuntime, instance: string): Promise<number> {
  const containers = await runtime.docker.listContainers({ all: true, filters: { label: [`bulkhead.instance=${instance}`] } });
  return containers.length;
}

/** Real-engine test helpers: a runtime labelled with a unique instance, so cleanup by label is exact. */
import { randomBytes } from 'node:crypto';
import { imageRefs } from '../../lab-server/images.ts';
import { DockerRuntime } from '../../lab-server/runtime/docker-runtime.ts';
import { limitsFromConfig } from '../../lab-server/runtime/hardening.ts';
import { loadConfig } from '../../lab-server/config.ts';

export function uniqueInstance(prefix: string): string {
  return `test-${prefix}-${randomBytes(4).toString('hex')}`;
}

export function testRuntime(instance: string): DockerRuntime {
  const config = loadConfig({ BULKHEAD_INSTANCE: instance });
  return new DockerRuntime({ socketPath: config.DOCKER_SOCKET, limits: limitsFromConfig(config), instance });
}

export async function shellImage(): Promise<string> {
  return (await imageRefs('shell')).hashTag;
}

/** Every container still labelled with the instance, running or not. */
export async function leftovers(runtime: DockerRuntime, instance: string): Promise<number> {
  const containers = await runtime.docker.listContainers({ all: true, filters: { label: [`bulkhead.instance=${instance}`] } });
  return containers.length;
}

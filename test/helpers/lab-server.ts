/** An in-process lab-server for integration tests, over the test fixtures' labs, with its own instance label. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLabServer, type LabServer, type LabServerOptions } from '../../lab-server/main.ts';
import { engineEnv, loadConfig } from '../../lab-server/config.ts';
import { SILENT } from '../../lab-server/ops/log.ts';
import { testRuntime, uniqueInstance } from './docker.ts';

export const FIXTURE_CONTENT = fileURLToPath(new URL('../fixtures/content/', import.meta.url));

export async function startTestServer(name: string, options: LabServerOptions & { env?: Record<string, string> } = {}) {
  const instance = uniqueInstance(name);
  const config = loadConfig({
    ...engineEnv(), PORT: '0', CONTENT_DIR: FIXTURE_CONTENT, BULKHEAD_INSTANCE: instance, WARM_POOL_SIZE: '0',
    DATA_DIR: mkdtempSync(join(tmpdir(), `bulkhead-${name}-`)), ...options.env,
  });
  const runtime = testRuntime(instance);
  const server: LabServer = await startLabServer(config, { runtime, log: SILENT, ...options });
  return { server, runtime, instance, base: server.url, config };
}

/**
 * One client per engine address per process: the runtime, every session's gate, the gate's cleanup and
 * the preview share it, so its connection pool and negotiated API version are shared too.
 */
import type { Config } from '../config.ts';
import { Engine, type EngineSettings } from './client.ts';

export type EngineConfig = Pick<Config, 'DOCKER_HOST' | 'DOCKER_TLS_VERIFY' | 'DOCKER_CERT_PATH'>;

const engines = new Map<string, Engine>();

export function engineFromConfig(config: EngineConfig): Engine {
  const settings: EngineSettings = { DOCKER_HOST: config.DOCKER_HOST, DOCKER_TLS_VERIFY: config.DOCKER_TLS_VERIFY, DOCKER_CERT_PATH: config.DOCKER_CERT_PATH };
  const key = JSON.stringify(settings);
  let engine = engines.get(key);
  if (!engine) {
    engine = new Engine(settings);
    engines.set(key, engine);
  }
  return engine;
}

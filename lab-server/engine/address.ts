/**
 * Where the Docker Engine listens, written as Docker's own tools write it (`DOCKER_HOST`): a Unix
 * socket, a TCP address (TLS when DOCKER_TLS_VERIFY is set, as the docker CLI does), or an SSH host
 * whose `docker system dial-stdio` carries the API. Parsing is pure; config.ts turns a refusal into
 * the message naming the variable.
 */
import { isAbsolute } from 'node:path';

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';
const DEFAULT_SSH_PORT = 22;
const MAX_PORT = 65_535;

export type EngineAddress =
  | { kind: 'unix'; socketPath: string }
  | { kind: 'tcp'; host: string; port: number }
  | { kind: 'ssh'; user: string; host: string; port: number };

export const DOCKER_HOST_FORMS = 'unix:///absolute/path, tcp://host:port or ssh://user@host[:port]';

function port(text: string, fallback?: number): number {
  if (text === '' && fallback !== undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > MAX_PORT) throw new Error(`the port must be a number from 1 to ${MAX_PORT}`);
  return value;
}

/** The address a DOCKER_HOST value names; throws an Error saying what is wrong with it. */
export function parseDockerHost(value: string): EngineAddress {
  if (value.startsWith('unix://')) {
    const socketPath = value.slice('unix://'.length);
    if (!isAbsolute(socketPath)) throw new Error('a unix:// address needs an absolute socket path, as in unix:///var/run/docker.sock');
    return { kind: 'unix', socketPath };
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`expected ${DOCKER_HOST_FORMS}`);
  }
  const extra = (url.pathname !== '' && url.pathname !== '/') || url.search !== '' || url.hash !== '';
  if (url.protocol === 'tcp:') {
    if (!url.hostname || url.username || url.password || extra) throw new Error('a tcp:// address is tcp://host:port, nothing more');
    if (!url.port) throw new Error('a tcp:// address needs its port, as in tcp://127.0.0.1:2375 (2376 with TLS)');
    return { kind: 'tcp', host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: port(url.port) };
  }
  if (url.protocol === 'ssh:') {
    if (!url.hostname || !url.username || url.password || extra) throw new Error('an ssh:// address is ssh://user@host or ssh://user@host:port (keys come from the ssh agent, never a password)');
    return { kind: 'ssh', user: decodeURIComponent(url.username), host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: port(url.port, DEFAULT_SSH_PORT) };
  }
  throw new Error(`expected ${DOCKER_HOST_FORMS}`);
}

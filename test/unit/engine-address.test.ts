import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lab-server/config.ts';
import { DEFAULT_DOCKER_HOST, parseDockerHost } from '../../lab-server/engine/address.ts';
import { Engine } from '../../lab-server/engine/client.ts';
import { LabError } from '../../lab-server/errors.ts';

/** The modem's resolved connection fields, which its type declarations leave out. */
type ModemFields = { protocol?: string; socketPath?: string; host?: string };
const modemOf = (engine: Engine) => engine.docker.modem as unknown as ModemFields;

function configError(env: Record<string, string>): LabError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof LabError) return error;
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('DOCKER_HOST', () => {
  it('defaults to the engine socket Docker itself uses', () => {
    expect(loadConfig({}).DOCKER_HOST).toBe('unix:///var/run/docker.sock');
    expect(parseDockerHost(DEFAULT_DOCKER_HOST)).toEqual({ kind: 'unix', socketPath: '/var/run/docker.sock' });
  });

  it('reads a Unix socket, a TCP address and an SSH host as the docker CLI writes them', () => {
    expect(parseDockerHost('unix:///run/user/1000/docker.sock')).toEqual({ kind: 'unix', socketPath: '/run/user/1000/docker.sock' });
    expect(parseDockerHost('tcp://10.0.0.5:2376')).toEqual({ kind: 'tcp', host: '10.0.0.5', port: 2376 });
    expect(parseDockerHost('tcp://[::1]:2375')).toEqual({ kind: 'tcp', host: '::1', port: 2375 });
    expect(parseDockerHost('ssh://ops@build.example.net')).toEqual({ kind: 'ssh', user: 'ops', host: 'build.example.net', port: 22 });
    expect(parseDockerHost('ssh://ops@build.example.net:2222')).toEqual({ kind: 'ssh', user: 'ops', host: 'build.example.net', port: 2222 });
  });

  it.each([
    ['unix://relative/docker.sock', /absolute socket path/],
    ['unix://', /absolute socket path/],
    ['/var/run/docker.sock', /expected unix:\/\/\/absolute\/path, tcp:\/\/host:port or ssh:\/\/user@host/],
    ['tcp://localhost', /needs its port/],
    ['tcp://localhost:0', /port must be a number from 1 to 65535/],
    ['tcp://localhost:2375/v1.41', /tcp:\/\/host:port, nothing more/],
    ['tcp://user@localhost:2375', /tcp:\/\/host:port, nothing more/],
    ['ssh://build.example.net', /ssh:\/\/user@host/],
    ['ssh://ops:secret@build.example.net', /never a password/],
    ['npipe:////./pipe/docker_engine', /expected unix/],
    ['http://localhost:2375', /expected unix/],
  ])('refuses %s, naming the variable and the accepted forms', (value, why) => {
    expect(() => parseDockerHost(value)).toThrow(why);
    const error = configError({ DOCKER_HOST: value });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain(`DOCKER_HOST=${JSON.stringify(value)}`);
    expect(error.message).toMatch(/unix:\/\/\/absolute\/path, tcp:\/\/host:port or ssh:\/\/user@host/);
  });

  it('stops at start when the old DOCKER_SOCKET is set, saying the DOCKER_HOST to set instead', () => {
    const error = configError({ DOCKER_SOCKET: '/srv/docker/engine.sock' });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/DOCKER_SOCKET is no longer read/);
    expect(error.message).toContain('DOCKER_HOST=unix:///srv/docker/engine.sock');
  });

  it('refuses a bad address given to the client directly, naming the variable', () => {
    expect(() => new Engine({ DOCKER_HOST: 'tcp://nohost' })).toThrow(/^DOCKER_HOST="tcp:\/\/nohost": a tcp:\/\/ address needs its port/);
  });

  it('turns TLS on for tcp:// only when DOCKER_TLS_VERIFY is set, and names the missing certificate file', async () => {
    const certs = await mkdtemp(join(tmpdir(), 'bulkhead-certs-'));
    try {
      expect(() => new Engine({ DOCKER_HOST: 'tcp://127.0.0.1:2376', DOCKER_CERT_PATH: certs })).not.toThrow();
      expect(() => new Engine({ DOCKER_HOST: 'tcp://127.0.0.1:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs })).toThrow(new RegExp(`${join(certs, 'ca.pem')} cannot be read`));
      for (const name of ['ca.pem', 'cert.pem', 'key.pem']) await writeFile(join(certs, name), 'not a real certificate\n');
      const engine = new Engine({ DOCKER_HOST: 'tcp://127.0.0.1:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs });
      expect(modemOf(engine).protocol).toBe('https');
      expect(modemOf(new Engine({ DOCKER_HOST: 'tcp://127.0.0.1:2375' })).protocol).toBe('http');
    } finally {
      await rm(certs, { recursive: true, force: true });
    }
  });

  it('gives dockerode exactly the configured address, whatever DOCKER_HOST the process itself has', () => {
    const before = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'tcp://192.0.2.1:2375';
    try {
      const modem = modemOf(new Engine({ DOCKER_HOST: 'unix:///tmp/bulkhead-test.sock' }));
      expect(modem.socketPath).toBe('/tmp/bulkhead-test.sock');
      expect(modem.host).toBeUndefined();
    } finally {
      if (before === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = before;
    }
  });
});

/**
 * How to reach the engine at an address: the options dockerode's modem dials with, and the one place a
 * raw request to the engine is opened, over the same connection settings (socket path; host, port and
 * TLS files; or the modem's own ssh agent running `docker system dial-stdio`).
 */
import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { DockerOptions } from 'dockerode';
import { LabError } from '../errors.ts';
import type { EngineAddress } from './address.ts';

/** docker-modem's ssh transport: an http.Agent whose one connection is `docker system dial-stdio` over ssh2. */
const sshAgent = createRequire(import.meta.url)('docker-modem/lib/ssh.js') as (options: Record<string, unknown>) => HttpAgent;
/** Connections kept open for short calls; long-lived answers (streams, upgrades) get their own. */
const MAX_POOLED_SOCKETS = 32;

export interface TlsFiles { ca: Buffer; cert: Buffer; key: Buffer }

export interface RawRequest {
  method: string;
  /** Path with query, version prefix included. */
  path: string;
  headers: OutgoingHttpHeaders;
  signal?: AbortSignal;
  /** Outside the keep-alive pool: for streams and upgrades that hold the connection. */
  dedicated?: boolean;
}

/** The docker CLI's TLS rule: DOCKER_TLS_VERIFY set means TLS, verified against DOCKER_CERT_PATH (default ~/.docker). */
export function readTlsFiles(certPath: string | undefined): TlsFiles {
  const dir = certPath || join(homedir(), '.docker');
  const read = (name: string) => {
    try {
      return readFileSync(join(dir, name));
    } catch (cause) {
      throw new LabError('CONFIG_INVALID', `DOCKER_TLS_VERIFY is set, but ${join(dir, name)} cannot be read (${(cause as NodeJS.ErrnoException).code ?? String(cause)}): put ca.pem, cert.pem and key.pem in DOCKER_CERT_PATH, or unset DOCKER_TLS_VERIFY.`, { cause });
    }
  };
  return { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') };
}

export class EngineConnection {
  readonly address: EngineAddress;
  private readonly tls: TlsFiles | undefined;
  private readonly pool: HttpAgent | undefined;

  constructor(address: EngineAddress, tls?: TlsFiles) {
    this.address = address;
    this.tls = address.kind === 'tcp' ? tls : undefined;
    if (address.kind !== 'ssh') {
      const options = { keepAlive: true, maxSockets: MAX_POOLED_SOCKETS };
      this.pool = this.tls ? new HttpsAgent({ ...options, ...this.tls }) : new HttpAgent(options);
    }
  }

  /**
   * Everything spelled out: the modem otherwise fills gaps from process.env.DOCKER_HOST, which would let
   * a stray variable override the address config validated.
   */
  dockerodeOptions(): DockerOptions {
    const a = this.address;
    if (a.kind === 'unix') return { socketPath: a.socketPath, host: undefined, port: undefined, protocol: 'http' };
    if (a.kind === 'tcp') return { socketPath: undefined, host: a.host, port: a.port, protocol: this.tls ? 'https' : 'http', ...(this.tls ?? {}) };
    return { socketPath: undefined, host: a.host, port: a.port, protocol: 'ssh', username: a.user, sshOptions: { agent: process.env.SSH_AUTH_SOCK } };
  }

  /** Opens one raw request to the engine; the caller writes the body and reads the answer. */
  request(raw: RawRequest): ClientRequest {
    const a = this.address;
    const common = { method: raw.method, path: raw.path, headers: raw.headers, signal: raw.signal };
    if (a.kind === 'unix') return httpRequest({ ...common, socketPath: a.socketPath, agent: raw.dedicated ? false : this.pool });
    if (a.kind === 'tcp') {
      const target = { ...common, host: a.host, port: a.port };
      if (this.tls) return httpsRequest({ ...target, ...this.tls, agent: raw.dedicated ? false : this.pool });
      return httpRequest({ ...target, agent: raw.dedicated ? false : this.pool });
    }
    // One ssh session per request, as the modem does: dial-stdio carries exactly one connection.
    const agent = sshAgent({ agent: process.env.SSH_AUTH_SOCK, host: a.host, port: a.port, username: a.user });
    return httpRequest({ ...common, host: a.host, agent });
  }

  close(): void {
    this.pool?.destroy();
  }
}

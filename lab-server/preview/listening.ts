/**
 * Which TCP ports are listening in a session, for the lab pane's list. Each running container of the
 * session is asked for its own `/proc/net/tcp` and `/proc/net/tcp6` with one `cat` exec (the kernel's
 * view of the container's network namespace, readable by any user, so it works as the sandbox's
 * unprivileged uid and needs no capability, unlike `ss -p`). A container without `cat` simply lists
 * nothing; its ports can still be opened by number.
 */
import { endianness } from 'node:os';
import { LEARNER_UID } from '../runtime/hardening.ts';
import type { PreviewEngine } from './engine.ts';
import type { Endpoint, TargetResolver } from './targets.ts';
import type { Log } from '../ops/log.ts';

const EXEC_TIMEOUT_MS = 2_000;
const MAX_PROC_NET_BYTES = 256 * 1024;
/** The lab pane polls every few seconds; one listing per session per this long is plenty. */
const CACHE_MS = 3_000;
const TCP_LISTEN = '0A';

export interface ListeningPort {
  port: number;
  /** Who listens: `terminal` (the sandbox) or the container's name as the learner knows it. */
  container: string;
  /** False when only a loopback address listens: nothing outside that container can reach it. */
  reachable: boolean;
}

interface Socket { port: number; loopback: boolean }

/** 127.0.0.11: Docker's embedded DNS server listens there (on a random TCP port) in every container on a user-defined network. */
function isDockerDnsHex(hex: string): boolean {
  return hex === (endianness() === 'LE' ? '0B00007F' : '7F00000B');
}

function isLoopbackHex(hex: string): boolean {
  if (hex.length === 8) return endianness() === 'LE' ? hex.endsWith('7F') : hex.startsWith('7F');
  if (hex.length !== 32) return false;
  // IPv6 words are printed in host order too: ::1 and ::ffff:127.x.y.z.
  const v6Loopback = endianness() === 'LE' ? '00000000000000000000000001000000' : '00000000000000000000000000000001';
  if (hex === v6Loopback) return true;
  const mapped = endianness() === 'LE' ? '0000000000000000FFFF0000' : '00000000000000000000FFFF';
  return hex.startsWith(mapped) && isLoopbackHex(hex.slice(24));
}

/** Listening sockets in the text of /proc/net/tcp or tcp6 (several files may be concatenated). */
export function parseProcNetTcp(text: string): Socket[] {
  const out: Socket[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4 || fields[3] !== TCP_LISTEN || !/^\d+:$/.test(fields[0] ?? '')) continue;
    const match = /^([0-9A-F]{8}|[0-9A-F]{32}):([0-9A-F]{4})$/.exec(fields[1] ?? '');
    if (!match?.[1] || !match[2]) continue;
    const port = Number.parseInt(match[2], 16);
    if (port > 0 && !isDockerDnsHex(match[1])) out.push({ port, loopback: isLoopbackHex(match[1]) });
  }
  return out;
}

/** One entry per (container, port); a port is reachable when any of its sockets is not loopback-only. */
export function summarize(container: string, sockets: readonly Socket[]): ListeningPort[] {
  const ports = new Map<number, boolean>();
  for (const s of sockets) ports.set(s.port, (ports.get(s.port) ?? false) || !s.loopback);
  return [...ports].map(([port, reachable]) => ({ port, container, reachable }));
}

export class ListeningPorts {
  private readonly engine: PreviewEngine;
  private readonly resolver: TargetResolver;
  private readonly cache = new Map<string, { at: number; ports: Promise<ListeningPort[]> }>();
  private readonly log: Log;

  constructor(options: { engine: PreviewEngine; resolver: TargetResolver; log: Log }) {
    this.engine = options.engine;
    this.resolver = options.resolver;
    this.log = options.log;
  }

  list(session: string): Promise<ListeningPort[]> {
    const cached = this.cache.get(session);
    if (cached && Date.now() - cached.at < CACHE_MS) return cached.ports;
    const ports = this.scan(session);
    this.cache.set(session, { at: Date.now(), ports });
    ports.catch(() => this.cache.delete(session));
    return ports;
  }

  forget(session: string): void {
    this.cache.delete(session);
  }

  private async scan(session: string): Promise<ListeningPort[]> {
    const byContainer = new Map<string, Endpoint>();
    for (const endpoint of await this.resolver.endpoints(session)) byContainer.set(endpoint.containerId, endpoint);
    const lists = await Promise.all([...byContainer.values()].map(async (endpoint) => {
      try {
        const { stdout } = await this.engine.exec(endpoint.containerId, ['cat', '/proc/net/tcp', '/proc/net/tcp6'], {
          user: endpoint.isSandbox ? `${LEARNER_UID}:${LEARNER_UID}` : undefined, timeoutMs: EXEC_TIMEOUT_MS, maxBytes: MAX_PROC_NET_BYTES,
        });
        return summarize(endpoint.name, parseProcNetTcp(stdout.toString('latin1')));
      } catch (error) {
        this.log.warn({ event: 'preview.ports_failed', container: endpoint.containerId.slice(0, 12), err: (error as Error).message }, 'Could not list the ports a lab listens on');
        return [];
      }
    }));
    return lists.flat().sort((a, b) => a.port - b.port || a.container.localeCompare(b.container));
  }
}

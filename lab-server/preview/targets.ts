/**
 * Which addresses a session's preview may reach: the addresses, on the session's own networks, of the
 * running containers labelled with the session (its sandbox and what the learner started through the
 * gate). "The session's own networks" are those labelled with this instance and session: the network
 * the lab made and the internal networks the learner made through the gate (Compose's project network
 * among them). All of it is read from the engine on every request; nothing a browser sends (Host
 * header, path, redirect, DNS) names an address.
 */
import type { Duplex } from 'node:stream';
import { LABEL_INSTANCE, LABEL_ROLE, LABEL_SESSION } from '../labels.ts';
import { hostAddresses, refusalFor } from './addresses.ts';
import type { PreviewEngine } from './engine.ts';
import type { Log } from '../ops/log.ts';

/** A connection to an app: a channel of the session's tunnel, made from inside the sandbox. */
export type AppConnection = Duplex & { setTimeout(ms: number, callback?: () => void): unknown };
/** Opens a TCP connection from inside the session's sandbox, or says why it could not. */
export type Dial = (session: string, address: string, port: number) => Promise<AppConnection | string> | undefined;
/**
 * How long a session's endpoints are reused. Only while the engine's event stream is followed: every
 * container start, stop, removal, network connect or disconnect anywhere empties the cache, so an
 * address is never used after the engine said it changed hands. Without the stream, every request asks.
 */
const CACHE_MS = 10_000;
const EVENTS_RETRY_MS = 2_000;
const INVALIDATING_EVENTS = {
  type: ['container', 'network'],
  event: ['start', 'restart', 'unpause', 'die', 'kill', 'stop', 'pause', 'destroy', 'rename', 'connect', 'disconnect', 'create', 'remove'],
};
const HOST_ADDRESSES_TTL_MS = 60_000;
const COMPOSE_SERVICE_LABEL = 'com.docker.compose.service';
/** The gate's engine-side name prefix (`bh-<10 hex>-`), stripped to show the learner's own name. */
const GATE_NAME_PREFIX = /^bh-[0-9a-f]{10}-/;

export interface Endpoint {
  containerId: string;
  /** What the learner calls it: `terminal` for the sandbox, else the Compose service or container name. */
  name: string;
  isSandbox: boolean;
  address: string;
  created: number;
}

interface ContainerSummary {
  Id: string;
  Names?: string[];
  Created?: number;
  Labels?: Record<string, string> | null;
  NetworkSettings?: { Networks?: Record<string, { NetworkID?: string; IPAddress?: string }> | null };
}

interface NetworkSummary {
  Id: string;
  Driver?: string;
  Internal?: boolean;
  Labels?: Record<string, string> | null;
  IPAM?: { Config?: Array<{ Subnet?: string; Gateway?: string }> | null };
}

function filters(instance: string, session: string, extra: Record<string, string[]> = {}): string {
  return encodeURIComponent(JSON.stringify({ label: [`${LABEL_INSTANCE}=${instance}`, `${LABEL_SESSION}=${session}`], ...extra }));
}

function displayName(container: ContainerSummary): string {
  const labels = container.Labels ?? {};
  if (labels[LABEL_ROLE] === 'sandbox') return 'terminal';
  const service = labels[COMPOSE_SERVICE_LABEL];
  if (service) return service;
  return (container.Names?.[0] ?? container.Id.slice(0, 12)).replace(/^\//, '').replace(GATE_NAME_PREFIX, '');
}

export class TargetResolver {
  private readonly engine: PreviewEngine;
  private readonly instance: string;
  private readonly inflight = new Map<string, { generation: number; lookup: Promise<Endpoint[]> }>();
  private readonly cache = new Map<string, { at: number; endpoints: Endpoint[] }>();
  /** Bumped by every engine event; a lookup that started before the latest event is not cached. */
  private generation = 0;
  private following = false;
  private readonly stop = new AbortController();
  private host = { addresses: new Set<string>(), at: 0 };
  private readonly log: Log;
  private readonly dial: Dial;

  constructor(options: { engine: PreviewEngine; instance: string; log: Log; dial: Dial }) {
    this.engine = options.engine;
    this.dial = options.dial;
    this.instance = options.instance;
    this.log = options.log;
  }

  /** Follows the engine's events so that lookups can be cached; retries while the server runs. */
  follow(): void {
    if (this.stop.signal.aborted) return;
    const ended = () => {
      if (!this.following) return;
      this.following = false;
      this.invalidate();
      setTimeout(() => this.follow(), EVENTS_RETRY_MS).unref();
    };
    this.engine.events(INVALIDATING_EVENTS, () => this.invalidate(), ended, this.stop.signal)
      .then(() => {
        this.invalidate();
        this.following = true;
      })
      .catch((error: unknown) => {
        if (this.stop.signal.aborted) return;
        this.log.warn({ event: 'preview.events_lost', err: (error as Error).message }, 'Not following engine events; every preview request asks the engine');
        setTimeout(() => this.follow(), EVENTS_RETRY_MS).unref();
      });
  }

  close(): void {
    this.stop.abort();
    this.following = false;
    this.cache.clear();
  }

  private invalidate(): void {
    this.generation += 1;
    this.cache.clear();
  }

  /** The session's endpoints now, sandbox last; concurrent callers share one engine round trip. */
  endpoints(session: string): Promise<Endpoint[]> {
    const cached = this.cache.get(session);
    if (cached && this.following && Date.now() - cached.at < CACHE_MS) return Promise.resolve(cached.endpoints);
    const running = this.inflight.get(session);
    if (running?.generation === this.generation) return running.lookup;
    const generation = this.generation;
    const lookup = this.lookup(session).then((endpoints) => {
      if (this.following && generation === this.generation) this.cache.set(session, { at: Date.now(), endpoints });
      return endpoints;
    }).finally(() => {
      if (this.inflight.get(session)?.lookup === lookup) this.inflight.delete(session);
    });
    this.inflight.set(session, { generation, lookup });
    return lookup;
  }

  forget(session: string): void {
    this.cache.delete(session);
  }

  private hostAddresses(): ReadonlySet<string> {
    if (Date.now() - this.host.at > HOST_ADDRESSES_TTL_MS) this.host = { addresses: hostAddresses(), at: Date.now() };
    return this.host.addresses;
  }

  private async lookup(session: string): Promise<Endpoint[]> {
    const [networks, containers] = await Promise.all([
      this.engine.json<NetworkSummary[]>('list the session\'s networks', `/networks?filters=${filters(this.instance, session)}`),
      this.engine.json<ContainerSummary[]>('list the session\'s containers', `/containers/json?filters=${filters(this.instance, session, { status: ['running'] })}`),
    ]);
    const own = new Map<string, NetworkSummary>();
    for (const network of networks) {
      const labels = network.Labels ?? {};
      // The label filter already asked for these; checking again costs nothing and survives an engine that ignores a filter.
      if (labels[LABEL_INSTANCE] === this.instance && labels[LABEL_SESSION] === session && network.Driver === 'bridge' && network.Internal === true) own.set(network.Id, network);
    }
    const out: Endpoint[] = [];
    for (const container of containers) {
      const labels = container.Labels ?? {};
      if (labels[LABEL_INSTANCE] !== this.instance || labels[LABEL_SESSION] !== session) continue;
      for (const endpoint of Object.values(container.NetworkSettings?.Networks ?? {})) {
        const network = endpoint.NetworkID ? own.get(endpoint.NetworkID) : undefined;
        const address = endpoint.IPAddress ?? '';
        if (!network || !address) continue;
        const ipam = network.IPAM?.Config?.[0];
        const refusal = refusalFor(address, { subnet: ipam?.Subnet ?? '', gateway: ipam?.Gateway ?? '' }, this.hostAddresses());
        if (refusal) {
          this.log.warn({ event: 'preview.address_refused', session, container: container.Id.slice(0, 12), refusal }, 'Refused a container address for previews');
          continue;
        }
        out.push({ containerId: container.Id, name: displayName(container), isSandbox: labels[LABEL_ROLE] === 'sandbox', address, created: container.Created ?? 0 });
      }
    }
    return out.sort((a, b) => Number(a.isSandbox) - Number(b.isSandbox) || a.created - b.created || a.address.localeCompare(b.address));
  }

  /**
   * A TCP connection to `port` on the first of the session's containers that accepts it (oldest of the
   * learner's containers first, the terminal last), or undefined when none does.
   */
  async connect(session: string, port: number): Promise<{ socket: AppConnection; endpoint: Endpoint } | undefined> {
    const tried = new Set<string>();
    for (const endpoint of await this.endpoints(session)) {
      if (tried.has(endpoint.address)) continue;
      tried.add(endpoint.address);
      const socket = await this.dial(session, endpoint.address, port);
      if (socket === undefined) return undefined;
      if (typeof socket !== 'string') {
        // Whoever takes the connection adds its own handler; until then an error must not crash the server.
        socket.on('error', () => undefined);
        return { socket, endpoint };
      }
    }
    return undefined;
  }
}

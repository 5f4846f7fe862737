/**
 * Pre-created sandboxes, so that starting a lab is an exec into a running container rather than a
 * container creation. One pool per sandbox profile (image, added capabilities, network); each pooled
 * sandbox already carries the id its session will have. Refills run in the background, one at a time.
 */
import { randomBytes } from 'node:crypto';
import { GATE_SOCKET, sandboxTunnel, type SessionTunnel } from '../tunnel/supervisor.ts';
import { SILENT, type Log } from '../ops/log.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { SandboxHandle, SandboxRuntime, SandboxSpec } from './sandbox-runtime.ts';

export const DEFAULT_POOL_SIZE = 2;
/** A pooled sandbox older than this is replaced, so its expiry label never lies for long. */
const POOLED_MAX_AGE_MS = 30 * 60_000;

export interface SandboxProfile {
  lab: string;
  image: string;
  capAdd: readonly string[];
  /** Whether the sandbox needs its own session network (created with it). */
  network: boolean;
  /** A Docker lab: the sandbox gets the folder its gate's socket appears in. */
  gate: boolean;
}

export interface PooledSandbox {
  handle: SandboxHandle;
  network?: string;
  createdAt: number;
  /**
   * Docker labs: the tunnel whose relay already listens at the gate's socket path in the sandbox (one
   * exec, done here so that a warm start does not wait for it). Its clients are refused until the
   * session's gate takes them.
   */
  tunnel?: SessionTunnel;
}

export function newSessionId(): string {
  return randomBytes(18).toString('base64url');
}

/** Creates one sandbox (and its network) for a profile, for the pool or for a cold start. */
export async function createSandbox(runtime: SandboxRuntime, profile: SandboxProfile, session: string, expiresAt: number): Promise<PooledSandbox> {
  const network = profile.network ? await runtime.createNetwork(session, profile.lab, expiresAt) : undefined;
  const spec: SandboxSpec = {
    session, lab: profile.lab, image: profile.image, expiresAt, capAdd: profile.capAdd, network, gate: profile.gate,
  };
  let tunnel: SessionTunnel | undefined;
  try {
    const handle = await runtime.create(spec);
    if (profile.gate) {
      tunnel = sandboxTunnel(runtime, handle, { socketPath: GATE_SOCKET });
      await tunnel.start();
    }
    return { handle, network, createdAt: Date.now(), ...(tunnel ? { tunnel } : {}) };
  } catch (error) {
    await tunnel?.close();
    await runtime.removeSession(session).catch(() => undefined);
    throw error;
  }
}

/** Removes a sandbox nobody claimed, its tunnel first (so its supervisor does not start a relay again). */
async function discard(runtime: SandboxRuntime, sandbox: PooledSandbox): Promise<void> {
  await sandbox.tunnel?.close();
  await runtime.removeSession(sandbox.handle.session);
}

export class WarmPool {
  private readonly runtime: SandboxRuntime;
  private readonly target: number;
  private readonly ttlMs: number;
  private readonly ready = new Map<string, PooledSandbox[]>();
  private readonly profiles = new Map<string, SandboxProfile>();
  /** Session ids being created: live for the reaper although no session owns them yet. */
  readonly pending = new Set<string>();
  private filling = false;
  /** The running fill loop, so close() can wait for a creation in flight. */
  private fillRun?: Promise<void>;
  private closed = false;
  /** Profiles registered with warm(): they get `target`; profiles only reserved get their reservations. */
  private readonly warmed = new Set<string>();
  /** Extra sandboxes kept ready per profile key until a time (a workshop's start): see reserve(). */
  private readonly reserved = new Map<string, Array<{ count: number; until: number }>>();
  private readonly log: Log;
  private readonly metrics?: Pick<Metrics, 'poolRefilled'>;

  constructor(options: { runtime: SandboxRuntime; size?: number; sessionTtlMs: number; log?: Log; metrics?: Pick<Metrics, 'poolRefilled'> }) {
    this.runtime = options.runtime;
    this.target = options.size ?? DEFAULT_POOL_SIZE;
    this.ttlMs = options.sessionTtlMs;
    this.log = options.log ?? SILENT;
    this.metrics = options.metrics;
  }

  static key(profile: SandboxProfile): string {
    return JSON.stringify([profile.image, [...profile.capAdd].sort(), profile.network, profile.gate]);
  }

  /** Registers a profile to keep warm and starts filling in the background. */
  warm(profile: SandboxProfile): void {
    if (this.target === 0) return;
    const key = WarmPool.key(profile);
    if (!this.profiles.has(key)) this.profiles.set(key, profile);
    this.warmed.add(key);
    this.refill();
  }

  /**
   * Keeps `count` sandboxes of this profile ready until `untilMs` (claims are topped up meanwhile), even
   * when the pool is otherwise off; afterwards the extras beyond the normal size are removed. Returns a
   * function that cancels the reservation early and resolves once the extras are removed.
   */
  reserve(profile: SandboxProfile, count: number, untilMs: number): () => Promise<void> {
    const key = WarmPool.key(profile);
    if (!this.profiles.has(key)) this.profiles.set(key, profile);
    const entry = { count, until: untilMs };
    const list = this.reserved.get(key) ?? [];
    list.push(entry);
    this.reserved.set(key, list);
    const lapse = setTimeout(() => void this.trim(key), Math.max(0, untilMs - Date.now()) + 1);
    lapse.unref();
    this.refill();
    return () => {
      clearTimeout(lapse);
      const at = list.indexOf(entry);
      if (at >= 0) list.splice(at, 1);
      return this.trim(key);
    };
  }

  /** Sandboxes to keep ready for a profile now: its normal size, or more while a reservation holds. */
  private targetFor(key: string, now: number): number {
    const base = this.warmed.has(key) ? this.target : 0;
    return Math.max(base, ...(this.reserved.get(key) ?? []).filter((r) => r.until > now).map((r) => r.count));
  }

  private hasReservations(now = Date.now()): boolean {
    return [...this.reserved.values()].some((list) => list.some((r) => r.until > now));
  }

  /** Removes ready sandboxes beyond the profile's current target (after a reservation ended). */
  private async trim(key: string): Promise<void> {
    const now = Date.now();
    const list = this.reserved.get(key);
    if (list) {
      for (let i = list.length - 1; i >= 0; i--) if ((list[i]?.until ?? 0) <= now) list.splice(i, 1);
      if (list.length === 0) this.reserved.delete(key);
    }
    const ready = this.ready.get(key) ?? [];
    const extra = ready.splice(this.targetFor(key, now));
    await Promise.allSettled(extra.map((s) => discard(this.runtime, s)));
  }

  /** A ready sandbox for this profile, if one is warm. The lab id of a pooled sandbox is the profile's first lab. */
  claim(profile: SandboxProfile): PooledSandbox | undefined {
    const list = this.ready.get(WarmPool.key(profile));
    const sandbox = list?.shift();
    this.refill();
    return sandbox;
  }

  /** Sandboxes ready to claim, over every profile. */
  get size(): number {
    return [...this.ready.values()].reduce((n, list) => n + list.length, 0);
  }

  /**
   * Whether every profile kept warm has its normal number of sandboxes ready (readiness: the next start
   * is warm). A workshop's reservation is not counted: filling one takes minutes, and the server serves meanwhile.
   */
  isWarm(): boolean {
    for (const key of this.warmed) if ((this.ready.get(key) ?? []).length < this.target) return false;
    return true;
  }

  /** Every session id the pool holds or is creating. */
  holds(session: string): boolean {
    if (this.pending.has(session)) return true;
    for (const list of this.ready.values()) if (list.some((s) => s.handle.session === session)) return true;
    return false;
  }

  refill(): void {
    if (this.filling || this.closed || (this.target === 0 && !this.hasReservations())) return;
    this.filling = true;
    this.fillRun = this.fillLoop().finally(() => {
      this.filling = false;
    });
  }

  private async fillLoop(): Promise<void> {
    for (;;) {
      if (this.closed) return;
      const now = Date.now();
      const next = [...this.profiles].find(([key]) => (this.ready.get(key) ?? []).filter((s) => now - s.createdAt < POOLED_MAX_AGE_MS).length < this.targetFor(key, now));
      if (!next) return;
      const [key, profile] = next;
      const list = this.ready.get(key) ?? [];
      this.ready.set(key, list);
      const stale = list.filter((s) => now - s.createdAt >= POOLED_MAX_AGE_MS);
      for (const old of stale) {
        list.splice(list.indexOf(old), 1);
        await discard(this.runtime, old).catch(() => undefined);
      }
      const session = newSessionId();
      this.pending.add(session);
      try {
        const created = await createSandbox(this.runtime, profile, session, now + POOLED_MAX_AGE_MS + this.ttlMs);
        // Closed, or a reservation lapsed, while it was being created: it is not wanted any more.
        if (this.closed || list.length >= this.targetFor(key, Date.now())) {
          await discard(this.runtime, created).catch(() => undefined);
          continue;
        }
        list.push(created);
        this.metrics?.poolRefilled(true);
      } catch (error) {
        this.metrics?.poolRefilled(false);
        this.log.warn({ event: 'pool.refill_failed', lab: profile.lab, err: (error as Error).message }, `The warm pool could not pre-create a sandbox for ${profile.lab}`);
        return;
      } finally {
        this.pending.delete(session);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.fillRun;
    const all = [...this.ready.values()].flat();
    this.ready.clear();
    await Promise.allSettled(all.map((s) => discard(this.runtime, s)));
  }
}

/**
 * Pre-created sandboxes, so that starting a lab is an exec into a running container rather than a
 * container creation. One pool per sandbox profile (image, added capabilities, network); each pooled
 * sandbox already carries the id its session will have. Refills run in the background, one at a time.
 */
import { randomBytes } from 'node:crypto';
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
  /** Host folder for the session's gate socket, derived from the session id; absent for labs without Docker. */
  gateDir?: (session: string) => string;
}

export interface PooledSandbox {
  handle: SandboxHandle;
  network?: string;
  createdAt: number;
}

export function newSessionId(): string {
  return randomBytes(18).toString('base64url');
}

/** Creates one sandbox (and its network) for a profile, for the pool or for a cold start. */
export async function createSandbox(runtime: SandboxRuntime, profile: SandboxProfile, session: string, expiresAt: number): Promise<PooledSandbox> {
  const network = profile.network ? await runtime.createNetwork(session, profile.lab, expiresAt) : undefined;
  const spec: SandboxSpec = {
    session, lab: profile.lab, image: profile.image, expiresAt, capAdd: profile.capAdd, network, gateDir: profile.gateDir?.(session),
  };
  try {
    return { handle: await runtime.create(spec), network, createdAt: Date.now() };
  } catch (error) {
    if (network) await runtime.removeSession(session).catch(() => undefined);
    throw error;
  }
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
  private closed = false;
  private readonly log: (line: string) => void;

  constructor(options: { runtime: SandboxRuntime; size?: number; sessionTtlMs: number; log?: (line: string) => void }) {
    this.runtime = options.runtime;
    this.target = options.size ?? DEFAULT_POOL_SIZE;
    this.ttlMs = options.sessionTtlMs;
    this.log = options.log ?? (() => undefined);
  }

  static key(profile: SandboxProfile): string {
    return JSON.stringify([profile.image, [...profile.capAdd].sort(), profile.network, Boolean(profile.gateDir)]);
  }

  /** Registers a profile to keep warm and starts filling in the background. */
  warm(profile: SandboxProfile): void {
    if (this.target === 0) return;
    const key = WarmPool.key(profile);
    if (!this.profiles.has(key)) this.profiles.set(key, profile);
    this.refill();
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

  /** Every session id the pool holds or is creating. */
  holds(session: string): boolean {
    if (this.pending.has(session)) return true;
    for (const list of this.ready.values()) if (list.some((s) => s.handle.session === session)) return true;
    return false;
  }

  refill(): void {
    if (this.filling || this.closed || this.target === 0) return;
    this.filling = true;
    void this.fillLoop().finally(() => {
      this.filling = false;
    });
  }

  private async fillLoop(): Promise<void> {
    for (;;) {
      if (this.closed) return;
      const now = Date.now();
      const next = [...this.profiles].find(([key]) => (this.ready.get(key) ?? []).filter((s) => now - s.createdAt < POOLED_MAX_AGE_MS).length < this.target);
      if (!next) return;
      const [key, profile] = next;
      const list = this.ready.get(key) ?? [];
      this.ready.set(key, list);
      const stale = list.filter((s) => now - s.createdAt >= POOLED_MAX_AGE_MS);
      for (const old of stale) {
        list.splice(list.indexOf(old), 1);
        await this.runtime.removeSession(old.handle.session).catch(() => undefined);
      }
      const session = newSessionId();
      this.pending.add(session);
      try {
        list.push(await createSandbox(this.runtime, profile, session, now + POOLED_MAX_AGE_MS + this.ttlMs));
      } catch (error) {
        this.log(`warm pool: could not pre-create a sandbox for ${profile.lab}: ${(error as Error).message}`);
        return;
      } finally {
        this.pending.delete(session);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.ready.values()].flat();
    this.ready.clear();
    await Promise.allSettled(all.map((s) => this.runtime.removeSession(s.handle.session)));
  }
}

import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SandboxRuntime, SandboxSpec } from '../../lab-server/runtime/sandbox-runtime.ts';
import { WarmPool, type SandboxProfile } from '../../lab-server/runtime/warm-pool.ts';

/** A runtime that only counts: pure pool logic needs no engine. */
function countingRuntime() {
  const live = new Set<string>();
  const runtime = {
    async create(spec: SandboxSpec) {
      live.add(spec.session);
      return { id: `c-${spec.session}`, session: spec.session, lab: spec.lab };
    },
    async removeSession(session: string) {
      live.delete(session);
      return 1;
    },
  } as unknown as SandboxRuntime;
  return { runtime, live };
}

const profile: SandboxProfile = { lab: 'threats', image: 'bulkhead/shell:test', capAdd: [], network: false, gate: false };

afterEach(() => {
  vi.useRealTimers();
});

describe('the warm pool, reserving sandboxes until a time (what a workshop pre-warms with)', () => {
  it('fills a pool that is otherwise off, and empties it when the reservation is cancelled', async () => {
    const { runtime, live } = countingRuntime();
    const pool = new WarmPool({ runtime, size: 0, sessionTtlMs: 60_000 });
    const cancel = pool.reserve(profile, 3, Date.now() + 60_000);
    await vi.waitFor(() => expect(pool.size).toBe(3));
    expect(pool.claim(profile)).toBeDefined();
    await vi.waitFor(() => expect(pool.size).toBe(3), { timeout: 1_000 });
    cancel();
    await vi.waitFor(() => expect(pool.size).toBe(0));
    expect(live.size, 'only the claimed one is left').toBe(1);
    await pool.close();
  });

  it('falls back to the normal size when the reservation lapses', async () => {
    const { runtime } = countingRuntime();
    const pool = new WarmPool({ runtime, size: 1, sessionTtlMs: 60_000 });
    pool.warm(profile);
    pool.reserve(profile, 4, Date.now() + 200);
    await vi.waitFor(() => expect(pool.size).toBe(4));
    await vi.waitFor(() => expect(pool.size).toBe(1), { timeout: 2_000 });
    await pool.close();
    expect(pool.size).toBe(0);
  });

  it('keeps the larger of two reservations while both hold', async () => {
    const { runtime } = countingRuntime();
    const pool = new WarmPool({ runtime, size: 0, sessionTtlMs: 60_000 });
    const small = pool.reserve(profile, 2, Date.now() + 60_000);
    const large = pool.reserve(profile, 5, Date.now() + 60_000);
    await vi.waitFor(() => expect(pool.size).toBe(5));
    large();
    await vi.waitFor(() => expect(pool.size).toBe(2));
    small();
    await vi.waitFor(() => expect(pool.size).toBe(0));
    await pool.close();
  });
});

describe('the warm pool, as readiness reads it', () => {
  it('is warm once every profile kept warm has its normal size, whatever a workshop reserved beyond it', async () => {
    const { runtime } = countingRuntime();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    const slow = { ...runtime, create: async (spec: SandboxSpec) => { await gate; return runtime.create(spec); } } as SandboxRuntime;
    const pool = new WarmPool({ runtime: slow, size: 2, sessionTtlMs: 60_000 });
    expect(pool.isWarm(), 'nothing to keep warm yet').toBe(true);
    pool.warm(profile);
    expect(pool.isWarm()).toBe(false);
    pool.reserve(profile, 6, Date.now() + 60_000);
    release();
    await vi.waitFor(() => expect(pool.size).toBeGreaterThanOrEqual(2));
    expect(pool.isWarm(), 'the reservation is still filling').toBe(true);
    expect(pool.claim(profile)).toBeDefined();
    await vi.waitFor(() => expect(pool.size).toBe(6));
    await pool.close();
  });

  it('counts its refills, and a failed one, for the metrics', async () => {
    const { runtime } = countingRuntime();
    let fail = true;
    const flaky = { ...runtime, create: async (spec: SandboxSpec) => { if (fail) { fail = false; throw new Error('engine said no'); } return runtime.create(spec); } } as SandboxRuntime;
    const refills: boolean[] = [];
    const pool = new WarmPool({ runtime: flaky, size: 1, sessionTtlMs: 60_000, metrics: { poolRefilled: (ok) => void refills.push(ok) } });
    pool.warm(profile);
    await vi.waitFor(() => expect(refills).toEqual([false]));
    pool.refill();
    await vi.waitFor(() => expect(refills).toEqual([false, true]));
    await pool.close();
  });
});

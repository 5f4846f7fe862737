import { describe, expect, it, vi } from 'vitest';
import type { ServerControl } from '../../src/lib/protocol.ts';
import { LabError } from '../../lab-server/errors.ts';
import type { AdmissionRule } from '../../lab-server/labs/admission.ts';
import { handleSignals } from '../../lab-server/main.ts';
import { Drain } from '../../lab-server/ops/drain.ts';
import { SILENT } from '../../lab-server/ops/log.ts';

function setup() {
  let now = 1_000_000;
  const rules: AdmissionRule[] = [];
  const told: Array<() => ServerControl> = [];
  const open = new Set(['ada:demo']);
  const sessions = {
    size: 1,
    announce: (make: () => ServerControl) => void told.push(make),
    find: (learner: string, lab: string) => (open.has(`${learner}:${lab}`) ? ({} as never) : undefined),
  };
  const drain = new Drain({ sessions, admission: { addRule: (rule) => { rules.push(rule); return () => undefined; } }, log: SILENT, now: () => now });
  return { drain, rule: rules[0]!, told, advance: (ms: number) => { now += ms; } };
}

describe('the drain', () => {
  it('admits everyone until it begins, then refuses new labs at ticket time too, but lets a learner back into an open lab', () => {
    vi.useFakeTimers();
    const { drain, rule } = setup();
    expect(rule.ticketTime).toBe(true);
    expect(rule.refuse?.({ learner: 'bob', lab: 'demo', ip: '' })).toBeUndefined();
    void drain.begin(30_000);
    expect(drain.draining).toBe(true);
    const refusal = rule.refuse?.({ learner: 'bob', lab: 'demo', ip: '' });
    expect(refusal).toBeInstanceOf(LabError);
    expect(refusal).toMatchObject({ code: 'DRAINING', status: 503 });
    expect(refusal?.message).toMatch(/restarting, so it starts no new labs now.*end in 30 s/);
    expect(refusal?.retryAfterMs).toBeGreaterThan(30_000);
    expect(rule.refuse?.({ learner: 'ada', lab: 'demo', ip: '' })).toBeUndefined();
    expect(rule.refuse?.({ learner: '', lab: 'demo', ip: '' })).toBeInstanceOf(LabError);
    drain.endNow();
    vi.useRealTimers();
  });

  it('tells the sessions how long they have, as of when each notice is sent, and again 10 s before the end', async () => {
    vi.useFakeTimers();
    const { drain, told, advance } = setup();
    const done = drain.begin(30_000);
    expect(told).toHaveLength(1);
    expect(told[0]!()).toMatchObject({ type: 'draining', endsAt: 1_030_000, message: expect.stringMatching(/ends in 30 s/) });
    advance(12_000);
    expect(told[0]!()).toMatchObject({ message: expect.stringMatching(/ends in 18 s/) });
    advance(8_000);
    vi.advanceTimersByTime(20_000);
    expect(told).toHaveLength(2);
    let over = false;
    void done.then(() => { over = true; });
    advance(10_000);
    vi.advanceTimersByTime(10_000);
    await Promise.resolve();
    expect(over).toBe(true);
    expect(drain.begin(5_000)).toBe(done);
    vi.useRealTimers();
  });

  it('ends the grace period early on endNow', async () => {
    const { drain } = setup();
    const done = drain.begin(600_000);
    drain.endNow();
    await expect(done).resolves.toBeUndefined();
  });
});

describe('signals', () => {
  function server() {
    const calls: string[] = [];
    const exits: number[] = [];
    const lab = {
      log: SILENT,
      drain: async () => { calls.push('drain'); await new Promise(() => undefined); },
      close: async () => { calls.push('close'); },
    };
    return { calls, exits, stop: handleSignals(lab, (code) => void exits.push(code)) };
  }

  it('drains on SIGTERM, ends at once on a second one, exits without waiting on a third', async () => {
    vi.useFakeTimers();
    const { calls, exits, stop } = server();
    stop('SIGTERM');
    expect(calls).toEqual(['drain']);
    vi.advanceTimersByTime(1_500);
    stop('SIGTERM');
    expect(calls).toEqual(['drain', 'close']);
    await vi.runAllTimersAsync();
    expect(exits).toEqual([0]);
    vi.advanceTimersByTime(1_500);
    stop('SIGTERM');
    expect(exits).toEqual([0, 130]);
    vi.useRealTimers();
  });

  it('takes a second signal within a second as the same stop (the launcher forwards it)', () => {
    vi.useFakeTimers();
    const { calls, stop } = server();
    stop('SIGTERM');
    vi.advanceTimersByTime(200);
    stop('SIGTERM');
    expect(calls).toEqual(['drain']);
    vi.useRealTimers();
  });

  it('ends at once on SIGINT (Ctrl-C on a laptop)', () => {
    const { calls, stop } = server();
    stop('SIGINT');
    expect(calls).toEqual(['close']);
  });
});

describe('signals, when stopping fails', () => {
  it('exits 1 (and says so) instead of leaving an unhandled rejection', async () => {
    const exits: number[] = [];
    const lines: string[] = [];
    const log = { ...SILENT, error: (fields: { event: string }) => void lines.push(fields.event) };
    const stop = handleSignals({ log, drain: async () => { throw new Error('store is gone'); }, close: async () => undefined }, (code) => void exits.push(code));
    stop('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(exits).toEqual([1]);
    expect(lines).toEqual(['server.stop_failed']);
  });
});

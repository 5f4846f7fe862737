import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMEOUTS, tickAction, type SessionClock, type SessionTimeouts } from '../../lab-server/sessions/lifecycle.ts';

const MINUTE = 60_000;
const timeouts: SessionTimeouts = { idleMs: 15 * MINUTE, hardMs: 60 * MINUTE, detachedGraceMs: 2 * MINUTE, warnBeforeMs: 5 * MINUTE };
/** A session created at 0 whose learner typed at `lastInputAt`. */
const clock = (over: Partial<SessionClock> = {}): SessionClock => ({ state: 'ready', expiresAt: timeouts.hardMs, lastInputAt: 0, warned: false, ...over });

describe('the session clock', () => {
  it('does nothing to a fresh ready session', () => {
    expect(tickAction(clock(), 1, timeouts)).toEqual({ kind: 'none' });
  });

  it('never expires a session that is still starting, or one already expired, whatever the time', () => {
    const long = 10 * timeouts.hardMs;
    expect(tickAction(clock({ state: 'starting' }), long, timeouts)).toEqual({ kind: 'none' });
    expect(tickAction(clock({ state: 'expired' }), long, timeouts)).toEqual({ kind: 'none' });
  });

  it('expires an idle session at the idle timeout, not a millisecond before', () => {
    const typed = 30 * MINUTE;
    expect(tickAction(clock({ lastInputAt: typed }), typed + timeouts.idleMs - 1, timeouts)).toEqual({ kind: 'none' });
    expect(tickAction(clock({ lastInputAt: typed }), typed + timeouts.idleMs, timeouts)).toEqual({ kind: 'expire', reason: 'idle' });
  });

  it('expires at the hard limit even while the learner types, and names the limit over idleness', () => {
    const busy = clock({ lastInputAt: timeouts.hardMs - 1, warned: true });
    expect(tickAction(busy, timeouts.hardMs - 1, timeouts)).toEqual({ kind: 'none' });
    expect(tickAction(busy, timeouts.hardMs, timeouts)).toEqual({ kind: 'expire', reason: 'limit' });
    const idleToo = clock({ lastInputAt: 0 });
    expect(tickAction(idleToo, timeouts.hardMs, timeouts)).toEqual({ kind: 'expire', reason: 'limit' });
  });

  it('removes a detached session after its grace period, and keeps a ready one with the same timestamps', () => {
    const left = 10 * MINUTE;
    const detached = clock({ state: 'detached', detachedAt: left, lastInputAt: left });
    expect(tickAction(detached, left + timeouts.detachedGraceMs - 1, timeouts)).toEqual({ kind: 'none' });
    expect(tickAction(detached, left + timeouts.detachedGraceMs, timeouts)).toEqual({ kind: 'expire', reason: 'detached' });
    expect(tickAction({ ...detached, state: 'ready' }, left + timeouts.detachedGraceMs, timeouts)).toEqual({ kind: 'none' });
  });

  it('names idleness over the detached grace when both passed', () => {
    const detached = clock({ state: 'detached', detachedAt: 0, lastInputAt: 0 });
    expect(tickAction(detached, timeouts.idleMs, timeouts)).toEqual({ kind: 'expire', reason: 'idle' });
  });

  it('warns once when the hard limit is near, and not again once warned', () => {
    const warnAt = timeouts.hardMs - timeouts.warnBeforeMs;
    const active = (now: number) => clock({ lastInputAt: now });
    expect(tickAction(active(warnAt - 1), warnAt - 1, timeouts)).toEqual({ kind: 'none' });
    expect(tickAction(active(warnAt), warnAt, timeouts)).toEqual({ kind: 'warn', expiresAt: timeouts.hardMs });
    expect(tickAction({ ...active(warnAt), warned: true }, warnAt + 1, timeouts)).toEqual({ kind: 'none' });
  });

  it('has defaults that warn before the hard limit and give a detached tab less time than idleness', () => {
    expect(DEFAULT_TIMEOUTS.warnBeforeMs).toBeLessThan(DEFAULT_TIMEOUTS.hardMs);
    expect(DEFAULT_TIMEOUTS.detachedGraceMs).toBeLessThan(DEFAULT_TIMEOUTS.idleMs);
    expect(DEFAULT_TIMEOUTS.idleMs).toBeLessThan(DEFAULT_TIMEOUTS.hardMs);
  });
});

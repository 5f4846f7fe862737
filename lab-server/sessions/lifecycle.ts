/**
 * The session state machine's clock, as a pure decision: given where a session is and its timestamps,
 * what happens at `now`. Session (session.ts) carries the decision out (closes tabs, removes the sandbox);
 * keeping the rule here lets it be tested with plain numbers, no terminal and no timers.
 *
 *   starting ──▶ ready ◀──▶ detached ──▶ expired
 *       └──────────┴────────────┴───────────▲
 */
export type SessionState = 'starting' | 'ready' | 'detached' | 'expired';
export type ExpiryReason = 'idle' | 'limit' | 'ended' | 'shell' | 'server' | 'detached';

export interface SessionTimeouts {
  idleMs: number;
  hardMs: number;
  detachedGraceMs: number;
  /** How long before the hard limit the learner is warned. */
  warnBeforeMs: number;
}

export const DEFAULT_TIMEOUTS: SessionTimeouts = {
  idleMs: 15 * 60_000,
  hardMs: 60 * 60_000,
  detachedGraceMs: 2 * 60_000,
  warnBeforeMs: 5 * 60_000,
};

/** What the clock needs to know of a session. */
export interface SessionClock {
  state: SessionState;
  /** The hard limit: creation time plus `hardMs`. */
  expiresAt: number;
  lastInputAt: number;
  /** When the last tab left; only meaningful while detached. */
  detachedAt?: number;
  /** Whether the learner was already told the hard limit is near. */
  warned: boolean;
}

/** The reasons the clock itself expires a session (the others come from outside: shell exit, end, shutdown). */
export type ClockExpiry = Extract<ExpiryReason, 'limit' | 'idle' | 'detached'>;

export type TickAction =
  | { kind: 'none' }
  | { kind: 'expire'; reason: ClockExpiry }
  /** Tell the tabs the hard limit is near, once. */
  | { kind: 'warn'; expiresAt: number };

const NOTHING: TickAction = { kind: 'none' };

/**
 * What the clock does at `now`. A starting session is left to its start, which either runs the shell or
 * ends the session itself; the hard limit wins over idleness, idleness over the detached grace, and the
 * warning comes once, only while no deadline has passed.
 */
export function tickAction(session: SessionClock, now: number, timeouts: SessionTimeouts): TickAction {
  if (session.state === 'expired' || session.state === 'starting') return NOTHING;
  if (now >= session.expiresAt) return { kind: 'expire', reason: 'limit' };
  if (now - session.lastInputAt >= timeouts.idleMs) return { kind: 'expire', reason: 'idle' };
  if (session.state === 'detached' && session.detachedAt !== undefined && now - session.detachedAt >= timeouts.detachedGraceMs) {
    return { kind: 'expire', reason: 'detached' };
  }
  if (!session.warned && session.expiresAt - now <= timeouts.warnBeforeMs) return { kind: 'warn', expiresAt: session.expiresAt };
  return NOTHING;
}

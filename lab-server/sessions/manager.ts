/**
 * All sessions of this lab-server: finds a learner's running session or starts one, enforces the caps
 * and the creation rate, runs the clock that expires sessions, and removes each expired session's
 * Docker objects.
 */
import { totalmem } from 'node:os';
import { LabError } from '../errors.ts';
import type { SandboxRuntime } from '../runtime/sandbox-runtime.ts';
import { createSandbox, newSessionId, WarmPool, type PooledSandbox, type SandboxProfile } from '../runtime/warm-pool.ts';
import { RateLimiter } from './rate-limit.ts';
import { DEFAULT_TIMEOUTS, Session, type SessionPeer, type SessionTimeouts } from './session.ts';

const CLOCK_INTERVAL_MS = 1_000;
/** Share of the machine's memory that sandboxes may take, when no global cap is configured. */
const MEMORY_SHARE_FOR_SANDBOXES = 0.75;

export interface SessionCaps {
  perLearner: number;
  perIp: number;
  global: number;
  /** Sandbox creations per learner: burst, then per minute. */
  createBurst: number;
  createPerMinute: number;
}

export function defaultCaps(sandboxMemoryBytes: number): SessionCaps {
  return {
    perLearner: 3,
    perIp: 20,
    global: Math.max(1, Math.floor((totalmem() * MEMORY_SHARE_FOR_SANDBOXES) / sandboxMemoryBytes)),
    createBurst: 4,
    createPerMinute: 6,
  };
}

export class LimitError extends LabError {
  readonly retryAfterMs: number;
  constructor(code: 'LIMIT_REACHED' | 'RATE_LIMITED', message: string, retryAfterMs: number) {
    super(code, message);
    this.retryAfterMs = retryAfterMs;
  }
}

export interface StartRequest {
  learner: string;
  ip: string;
  profile: SandboxProfile;
  size: { cols: number; rows: number };
  /** Output bytes the tab already holds for this session (after a dropped connection). */
  resume?: { session: string; offset: number };
}

export interface SessionHooks {
  /** Runs after the sandbox exists and before the shell opens (the Docker gate starts here). */
  beforeShell?(session: Session, sandbox: PooledSandbox): Promise<void>;
  /** Runs once the shell is open (checks attach here). */
  afterStart?(session: Session): void;
  /** Runs after the session expired, before its objects are removed. */
  afterEnd?(session: Session): Promise<void>;
}

export class SessionManager {
  private readonly sessions = new Map<string, Session>();
  private readonly runtime: SandboxRuntime;
  readonly pool: WarmPool;
  private readonly caps: SessionCaps;
  private readonly timeouts: SessionTimeouts;
  private readonly limiter: RateLimiter;
  private readonly clock: NodeJS.Timeout;
  private readonly hooks: SessionHooks;
  private readonly log: (line: string) => void;
  private readonly removals = new Set<Promise<unknown>>();
  /** Learners exempt from the per-address cap (a workshop room shares one address behind its router). */
  readonly ipCapExemptions: Array<(learner: string) => boolean> = [];

  constructor(options: {
    runtime: SandboxRuntime; caps: SessionCaps; timeouts?: Partial<SessionTimeouts>; poolSize?: number;
    hooks?: SessionHooks; log?: (line: string) => void;
  }) {
    this.runtime = options.runtime;
    this.caps = options.caps;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.limiter = new RateLimiter({ capacity: options.caps.createBurst, perMinute: options.caps.createPerMinute });
    this.hooks = options.hooks ?? {};
    this.log = options.log ?? (() => undefined);
    this.pool = new WarmPool({ runtime: this.runtime, size: options.poolSize, sessionTtlMs: this.timeouts.hardMs, log: this.log });
    this.clock = setInterval(() => this.tick(Date.now()), CLOCK_INTERVAL_MS);
    this.clock.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  all(): Session[] {
    return [...this.sessions.values()];
  }

  /** Whether a session id still belongs to something alive here (the reaper keeps its objects). */
  isLive(id: string): boolean {
    return this.sessions.has(id) || this.pool.holds(id);
  }

  private find(learner: string, lab: string): Session | undefined {
    for (const session of this.sessions.values()) {
      if (session.learner === learner && session.lab.id === lab && session.state !== 'expired') return session;
    }
    return undefined;
  }

  private checkCaps(learner: string, ip: string): void {
    const live = [...this.sessions.values()].filter((s) => s.state !== 'expired');
    const mine = live.filter((s) => s.learner === learner);
    if (mine.length >= this.caps.perLearner) {
      throw new LimitError('LIMIT_REACHED', `You already have ${mine.length} labs running (${mine.map((s) => s.lab.id).join(', ')}), the most one learner may have. Close one of their pages; it is removed two minutes later, then start this one again.`, this.timeouts.detachedGraceMs);
    }
    if (!this.ipCapExemptions.some((exempt) => exempt(learner)) && live.filter((s) => s.ip === ip).length >= this.caps.perIp) {
      throw new LimitError('LIMIT_REACHED', 'Too many labs are running from your network address. Try again in a few minutes, or ask your instructor.', 60_000);
    }
    if (live.length >= this.caps.global) {
      throw new LimitError('LIMIT_REACHED', 'This lab-server is full right now. Labs free up as learners finish; try again in a minute.', 60_000);
    }
    const rate = this.limiter.take(learner);
    if (!rate.ok) {
      throw new LimitError('RATE_LIMITED', `You started labs very quickly. Wait ${Math.ceil(rate.retryAfterMs / 1000)} s before starting another.`, rate.retryAfterMs);
    }
  }

  /** Attaches the peer to the learner's session for this lab, starting one when there is none. */
  async attach(request: StartRequest, peer: SessionPeer): Promise<Session> {
    const existing = this.find(request.learner, request.profile.lab);
    if (existing) {
      const offset = request.resume?.session === existing.id ? request.resume.offset : 0;
      existing.attach(peer, offset);
      existing.resize(peer, request.size.cols, request.size.rows);
      return existing;
    }
    this.checkCaps(request.learner, request.ip);
    const pooled = this.pool.claim(request.profile);
    const id = pooled?.handle.session ?? newSessionId();
    const session = new Session({
      id, lab: { id: request.profile.lab }, learner: request.learner, ip: request.ip, timeouts: this.timeouts, now: Date.now(),
      onExpire: (s) => this.removeObjects(s),
    });
    this.sessions.set(id, session);
    session.attach(peer);
    if (!pooled) peer.control({ type: 'progress', message: 'Creating your sandbox…' });
    try {
      const sandbox = pooled ?? await createSandbox(this.runtime, request.profile, id, session.expiresAt);
      await this.hooks.beforeShell?.(session, sandbox);
      const terminal = await this.runtime.openTerminal(sandbox.handle, request.size);
      session.run(sandbox.handle, terminal);
      this.hooks.afterStart?.(session);
    } catch (error) {
      session.expire('server');
      if (error instanceof LabError && error.code === 'ENGINE_UNAVAILABLE') throw error;
      throw new LabError('SANDBOX_FAILED', `Your sandbox could not start (${error instanceof Error ? error.message : String(error)}). Restart the lab; if it fails again, tell your instructor.`, { cause: error });
    }
    return session;
  }

  private removeObjects(session: Session): void {
    const removal = (async () => {
      await this.hooks.afterEnd?.(session).catch((error: unknown) => this.log(`cleanup hook for ${session.id}: ${String(error)}`));
      await this.runtime.removeSession(session.id);
    })().catch((error: unknown) => this.log(`could not remove session ${session.id} (the reaper will retry): ${String(error)}`))
      .finally(() => {
        this.sessions.delete(session.id);
        this.removals.delete(removal);
      });
    this.removals.add(removal);
  }

  end(id: string): void {
    this.sessions.get(id)?.expire('ended');
  }

  tick(now: number): void {
    for (const session of this.sessions.values()) session.tick(now);
  }

  /** Waits until every expired session's objects are removed. */
  async settled(): Promise<void> {
    while (this.removals.size) await Promise.allSettled([...this.removals]);
  }

  async close(): Promise<void> {
    clearInterval(this.clock);
    for (const session of this.sessions.values()) session.expire('server');
    await this.pool.close();
    await this.settled();
  }
}

/**
 * All sessions of this lab-server: finds a learner's running session or starts one (its assembly adds
 * the gate and the checks), runs the clock that expires sessions, and removes each expired session's Docker
 * objects.
 */
import { LabError } from '../errors.ts';
import type { ServerControl } from '../../src/lib/protocol.ts';
import { SILENT, type Log } from '../ops/log.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { SandboxRuntime } from '../runtime/sandbox-runtime.ts';
import { createSandbox, newSessionId, WarmPool, type PooledSandbox, type SandboxProfile } from '../runtime/warm-pool.ts';
import type { SessionAssembly, SessionLab } from './assembly.ts';
import { DEFAULT_TIMEOUTS, Session, type SessionPeer, type SessionTimeouts } from './session.ts';

const CLOCK_INTERVAL_MS = 1_000;

export interface StartRequest {
  learner: string;
  ip: string;
  lab: SessionLab;
  size: { cols: number; rows: number };
  /** Output bytes the tab already holds for this session (after a dropped connection). */
  resume?: { session: string; offset: number };
}


export class SessionManager {
  private readonly sessions = new Map<string, Session>();
  private readonly runtime: SandboxRuntime;
  readonly pool: WarmPool;
  private readonly timeouts: SessionTimeouts;
  private readonly clock: NodeJS.Timeout;
  private readonly assembly: SessionAssembly;
  private readonly log: Log;
  private readonly metrics?: Metrics;
  private readonly removals = new Set<Promise<unknown>>();
  /** What every session is told, also one that starts later (the drain's notice). */
  private standing?: () => ServerControl;

  constructor(options: {
    runtime: SandboxRuntime; timeouts?: Partial<SessionTimeouts>; poolSize?: number;
    assembly: SessionAssembly; log?: Log; metrics?: Metrics;
  }) {
    this.runtime = options.runtime;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.assembly = options.assembly;
    this.log = options.log ?? SILENT;
    this.metrics = options.metrics;
    this.pool = new WarmPool({ runtime: this.runtime, size: options.poolSize, sessionTtlMs: this.timeouts.hardMs, log: this.log, metrics: this.metrics });
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


  /** Live sessions, for admission's caps. */
  *live(): Iterable<{ learner: string; lab: string; ip: string }> {
    for (const s of this.sessions.values()) if (s.state !== 'expired') yield { learner: s.learner, lab: s.lab.id, ip: s.ip };
  }

  /** The learner's live session of a lab. */
  find(learner: string, lab: string): Session | undefined {
    for (const session of this.sessions.values()) {
      if (session.learner === learner && session.lab.id === lab && session.state !== 'expired') return session;
    }
    return undefined;
  }

  /** Attaches the peer to the learner's session for this lab, starting one when there is none (admitted by the caller). */
  async attach(request: StartRequest, peer: SessionPeer): Promise<Session> {
    const { profile } = request.lab;
    const found = this.find(request.learner, profile.lab);
    if (found) return this.rejoin(found, request, peer);
    const pooled = this.pool.claim(profile);
    const kind = pooled ? 'warm' : 'cold';
    const started = performance.now();
    const id = pooled?.handle.session ?? newSessionId();
    const session = new Session({
      id, lab: { id: profile.lab }, learner: request.learner, ip: request.ip, timeouts: this.timeouts, now: Date.now(),
      onExpire: (s) => this.removeObjects(s), metrics: this.metrics,
    });
    this.sessions.set(id, session);
    if (this.standing) session.announce(this.standing);
    session.attach(peer);
    if (!pooled) peer.control({ type: 'progress', message: 'Creating your sandbox…' });
    try {
      const sandbox = pooled ?? await createSandbox(this.runtime, profile, id, session.expiresAt);
      await this.assembly.beforeShell(session, sandbox, request.lab);
      const terminal = await this.runtime.openTerminal(sandbox.handle, request.size);
      session.run(sandbox.handle, terminal);
      this.assembly.afterStart(session, request.lab);
      const seconds = (performance.now() - started) / 1000;
      this.metrics?.sandboxStarted(kind, seconds);
      this.log.info({ event: 'session.started', session: id, learner: request.learner, lab: profile.lab, kind, duration_ms: Math.round(seconds * 1000) }, `Started a ${kind} sandbox for ${profile.lab}`);
    } catch (error) {
      this.metrics?.sandboxFailed(kind);
      this.log.warn({ event: 'session.start_failed', session: id, lab: profile.lab, kind, duration_ms: Math.round(performance.now() - started), err: errorText(error) }, `A ${kind} sandbox for ${profile.lab} did not start`);
      session.expire('server');
      if (error instanceof LabError && error.code === 'ENGINE_UNAVAILABLE') throw error;
      throw new LabError('SANDBOX_FAILED', `Your sandbox could not start (${error instanceof Error ? error.message : String(error)}). Restart the lab; if it fails again, tell your instructor.`, { cause: error });
    }
    return session;
  }

  private rejoin(session: Session, request: StartRequest, peer: SessionPeer): Session {
    const offset = request.resume?.session === session.id ? request.resume.offset : 0;
    session.attach(peer, offset);
    session.resize(peer, request.size.cols, request.size.rows);
    return session;
  }

  private removeObjects(session: Session): void {
    this.log.info({ event: 'session.ended', session: session.id, lab: session.lab.id, reason: session.expiryReason, duration_ms: Date.now() - session.createdAt }, `Session of ${session.lab.id} ended (${session.expiryReason ?? 'ended'})`);
    const removal = (async () => {
      await this.assembly.afterEnd(session).catch((error: unknown) => this.log.warn({ event: 'session.cleanup_failed', session: session.id, err: errorText(error) }, 'A feature\'s cleanup of a session failed'));
      await this.runtime.removeSession(session.id);
    })().catch((error: unknown) => this.log.warn({ event: 'session.remove_failed', session: session.id, err: errorText(error) }, 'Could not remove a session\'s objects (the reaper will retry)'))
      .finally(() => {
        this.sessions.delete(session.id);
        this.removals.delete(removal);
      });
    this.removals.add(removal);
  }

  /** Tells every session's tabs the notice `make` writes, now and whenever a tab attaches later. */
  announce(make: () => ServerControl): void {
    this.standing = make;
    for (const session of this.sessions.values()) session.announce(make);
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

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

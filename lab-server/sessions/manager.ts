/**
 * All sessions of this lab-server: finds a learner's running session or starts one (its assembly adds
 * the gate and the checks), runs the clock that expires sessions, and removes each expired session's Docker
 * objects.
 */
import { LabError } from '../errors.ts';
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
  private readonly log: (line: string) => void;
  private readonly removals = new Set<Promise<unknown>>();

  constructor(options: {
    runtime: SandboxRuntime; timeouts?: Partial<SessionTimeouts>; poolSize?: number;
    assembly: SessionAssembly; log?: (line: string) => void;
  }) {
    this.runtime = options.runtime;
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.assembly = options.assembly;
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
    const id = pooled?.handle.session ?? newSessionId();
    const session = new Session({
      id, lab: { id: profile.lab }, learner: request.learner, ip: request.ip, timeouts: this.timeouts, now: Date.now(),
      onExpire: (s) => this.removeObjects(s),
    });
    this.sessions.set(id, session);
    session.attach(peer);
    if (!pooled) peer.control({ type: 'progress', message: 'Creating your sandbox…' });
    try {
      const sandbox = pooled ?? await createSandbox(this.runtime, profile, id, session.expiresAt);
      await this.assembly.beforeShell(session, sandbox, request.lab);
      const terminal = await this.runtime.openTerminal(sandbox.handle, request.size);
      session.run(sandbox.handle, terminal);
      this.assembly.afterStart(session, request.lab);
    } catch (error) {
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
    const removal = (async () => {
      await this.assembly.afterEnd(session).catch((error: unknown) => this.log(`cleanup hook for ${session.id}: ${String(error)}`));
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

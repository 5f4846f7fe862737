/**
 * What starts and stops with a session, in one place: the Docker gate before the shell opens (Docker
 * labs), the check runner once it is open (labs with exercises), and, on the way down, whatever features
 * registered (the preview's per-session proxy state). The session manager calls it; it calls down into
 * the gate and the checks, and never back up: what a session's lab needs arrives as data in the
 * session's request (`SessionLab`), from the catalog.
 */
import type { Exercise, Lesson } from '../../src/lib/lesson-schema.ts';
import { LabError } from '../errors.ts';
import type { LabGate } from '../lab-gate.ts';
import { sandboxTunnel, type SessionTunnel } from '../tunnel/supervisor.ts';
import type { TunnelChannel } from '../tunnel/tunnel.ts';
import type { Progress } from '../progress/progress.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { SandboxHandle, SandboxRuntime } from '../runtime/sandbox-runtime.ts';
import type { PooledSandbox, SandboxProfile } from '../runtime/warm-pool.ts';
import { CheckLimiter, CheckRunner } from '../checks/check-runner.ts';
import type { Session } from './session.ts';

/** What a session needs to know of its lab. */
export interface SessionLab {
  profile: SandboxProfile;
  /** The lab's definition when the session gets a Docker gate. */
  gate?: NonNullable<Lesson['lab']>;
  exercises: readonly Exercise[];
}

/**
 * Starts a session's gate on its network and the tunnel that reaches it from the sandbox; resolves once
 * the sandbox's /var/run/docker.sock accepts connections.
 */
export type GateStarter = (session: { id: string; lab: { id: string }; expiresAt: number }, network: string, lab: NonNullable<Lesson['lab']>, sandbox: SandboxHandle, tunnel?: SessionTunnel) => Promise<LabGate>;

interface Parts {
  gate?: LabGate;
  /** The session's tunnel: the gate's (Docker labs), or one started at the first preview request. */
  tunnel?: SessionTunnel;
  checks?: CheckRunner;
}

export class SessionAssembly {
  private readonly runtime: SandboxRuntime;
  private readonly progress: Progress;
  private readonly startGate: GateStarter;
  private readonly limiter: CheckLimiter;
  private readonly parts = new Map<string, Parts>();
  private readonly endListeners: Array<(session: Session) => void | Promise<void>> = [];
  private readonly metrics?: Metrics;

  constructor(options: { runtime: SandboxRuntime; progress: Progress; startGate: GateStarter; checkConcurrency: number; metrics?: Metrics }) {
    this.runtime = options.runtime;
    this.metrics = options.metrics;
    this.progress = options.progress;
    this.startGate = options.startGate;
    this.limiter = new CheckLimiter(options.checkConcurrency);
  }

  /** A feature's per-session teardown, run after the session's own parts stopped. */
  onEnd(listener: (session: Session) => void | Promise<void>): void {
    this.endListeners.push(listener);
  }

  /** The check runner of a session, when its lab has exercises. */
  checks(session: string): CheckRunner | undefined {
    return this.parts.get(session)?.checks;
  }

  /**
   * A TCP connection from inside the session's sandbox (on the session's own networks), for the preview:
   * lab-server need not route to container addresses. Undefined for a session without a tunnel.
   */
  dial(session: string, address: string, port: number): Promise<TunnelChannel | string> | undefined {
    return this.parts.get(session)?.tunnel?.connect(address, port);
  }

  /** After the sandbox exists, before the shell opens: the learner's first `docker` finds its gate. */
  async beforeShell(session: Session, sandbox: PooledSandbox, lab: SessionLab): Promise<void> {
    // The pool's tunnel is the session's from here on: whatever happens next, afterEnd closes it.
    if (sandbox.tunnel) this.parts.set(session.id, { ...this.parts.get(session.id), tunnel: sandbox.tunnel });
    if (!lab.gate) {
      // A lab with a network but no Docker: the preview may still reach what the learner runs in the
      // sandbox, through a tunnel without a gate socket, started when the preview first asks.
      if (sandbox.network) {
        const tunnel = sandboxTunnel(this.runtime, sandbox.handle);
        this.parts.set(session.id, { ...this.parts.get(session.id), tunnel });
      }
      return;
    }
    if (!sandbox.network) throw new LabError('SANDBOX_FAILED', 'A Docker lab needs its session network.');
    const gate = await this.startGate(session, sandbox.network, lab.gate, sandbox.handle, sandbox.tunnel);
    this.parts.set(session.id, { ...this.parts.get(session.id), gate, tunnel: gate.tunnel });
  }

  /** Once the shell is open: checks run after each command. */
  afterStart(session: Session, lab: SessionLab): void {
    const sandbox = session.sandboxHandle;
    if (!sandbox || lab.exercises.length === 0) return;
    const checks = new CheckRunner({
      runtime: this.runtime, sandbox, learner: session.learner, lab: session.lab.id, exercises: lab.exercises, progress: this.progress,
      send: (message) => session.notify(message), limiter: this.limiter, metrics: this.metrics,
    });
    this.parts.set(session.id, { ...this.parts.get(session.id), checks });
    session.onPrompt(() => checks.onPrompt());
  }

  /** After the session expired, before its objects are removed. */
  async afterEnd(session: Session): Promise<void> {
    const parts = this.parts.get(session.id);
    this.parts.delete(session.id);
    parts?.checks?.stop();
    await parts?.tunnel?.close();
    await parts?.gate?.close();
    for (const listener of this.endListeners) await listener(session);
  }
}

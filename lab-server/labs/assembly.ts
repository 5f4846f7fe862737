/**
 * What starts and stops with a session, in one place: the Docker gate before the shell opens (Docker
 * labs), the check runner once it is open (labs with exercises), and whatever features add (the
 * preview's per-session proxy state); in reverse on the way down. The session manager calls these
 * hooks; nothing else reaches into a session's parts.
 */
import type { Config } from '../config.ts';
import { LabError } from '../errors.ts';
import type { DockerGate } from '../gate/index.ts';
import { startGate } from '../lab-gate.ts';
import type { Progress } from '../progress/progress.ts';
import type { SandboxRuntime } from '../runtime/sandbox-runtime.ts';
import type { PooledSandbox } from '../runtime/warm-pool.ts';
import { CheckLimiter, CheckRunner } from '../checks/check-runner.ts';
import type { SessionHooks, StartRequest } from '../sessions/manager.ts';
import type { Session } from '../sessions/session.ts';
import type { LabCatalog } from './catalog.ts';

/** A feature's own per-session state, set up and torn down with the session. */
export interface SessionPart {
  ended(session: Session): void | Promise<void>;
}

interface Parts {
  gate?: DockerGate;
  checks?: CheckRunner;
}

export class SessionAssembly implements SessionHooks {
  private readonly config: Config;
  private readonly catalog: LabCatalog;
  private readonly runtime: SandboxRuntime;
  private readonly progress: Progress;
  private readonly limiter: CheckLimiter;
  private readonly log: (line: string) => void;
  private readonly parts = new Map<string, Parts>();
  private readonly features: SessionPart[] = [];
  readonly admit?: (request: StartRequest) => Promise<void>;

  constructor(options: {
    config: Config; catalog: LabCatalog; runtime: SandboxRuntime; progress: Progress; log: (line: string) => void;
    admit?: (request: StartRequest) => Promise<void>;
  }) {
    this.config = options.config;
    this.catalog = options.catalog;
    this.runtime = options.runtime;
    this.progress = options.progress;
    this.log = options.log;
    this.limiter = new CheckLimiter(options.config.CHECK_CONCURRENCY);
    if (options.admit) this.admit = options.admit;
  }

  /** Registers a feature's per-session teardown (called after the session's own parts stopped). */
  add(part: SessionPart): void {
    this.features.push(part);
  }

  /** The check runner of a session, when its lab has exercises. */
  checks(session: string): CheckRunner | undefined {
    return this.parts.get(session)?.checks;
  }

  async beforeShell(session: Session, sandbox: PooledSandbox): Promise<void> {
    const lab = this.catalog.get(session.lab.id);
    if (!lab?.docker) return;
    if (!sandbox.network) throw new LabError('SANDBOX_FAILED', 'A Docker lab needs its session network.');
    const gate = await startGate({
      config: this.config, instance: this.config.BULKHEAD_INSTANCE, session: session.id, network: sandbox.network, lab: lab.definition,
      log: { info: () => undefined, warn: (line: string) => this.log(`gate: ${line}`) },
    });
    this.parts.set(session.id, { ...this.parts.get(session.id), gate });
  }

  afterStart(session: Session): void {
    const exercises = this.catalog.get(session.lab.id)?.exercises ?? [];
    const sandbox = session.sandboxHandle;
    if (!sandbox || exercises.length === 0) return;
    const checks = new CheckRunner({
      runtime: this.runtime, sandbox, learner: session.learner, lab: session.lab.id, exercises, progress: this.progress,
      send: (message) => session.notify(message), limiter: this.limiter,
    });
    this.parts.set(session.id, { ...this.parts.get(session.id), checks });
    session.onPrompt(() => checks.onPrompt());
  }

  async afterEnd(session: Session): Promise<void> {
    const parts = this.parts.get(session.id);
    this.parts.delete(session.id);
    parts?.checks?.stop();
    await parts?.gate?.close();
    for (const feature of this.features) await feature.ended(session);
  }
}

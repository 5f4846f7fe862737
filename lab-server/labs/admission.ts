/**
 * The one answer to "may this learner open this lab now?". `/api/tickets` asks it first, in `ticket`
 * mode: does the lab exist, can labs start at all (engine, image). The terminal socket asks it again,
 * in `start` mode, when it would create a session: then the features' rules (a workshop that has not
 * started holds its learners back), the caps and the creation rate apply too, and the refusal reaches
 * the page on the terminal socket with its retry time, where the lab pane shows it. A learner who
 * already has this lab open is always let back in (a reload, a second tab).
 */
import { LabError } from '../errors.ts';
import type { Metrics } from '../ops/metrics.ts';
import type { CatalogLab, LabCatalog } from './catalog.ts';
import type { SessionCaps } from '../sessions/caps.ts';
import { RateLimiter } from '../sessions/rate-limit.ts';

export interface AdmissionRequest {
  learner: string;
  lab: string;
  ip: string;
}

/** A feature's say in admission. */
export interface AdmissionRule {
  /** A refusal with the sentence the learner reads, or undefined to let the request pass this rule. */
  refuse?(request: AdmissionRequest): LabError | undefined;
  /** Whether this learner is exempt from the per-address cap (a workshop room shares one address). */
  sharesAddress?(learner: string): boolean;
  /** Asked at ticket time too (the drain: a page should hear at once that no lab starts now). */
  ticketTime?: boolean;
}


/** What admission reads of the running sessions. */
export interface LiveSessions {
  /** Live (not expired) sessions: learner, lab and address of each. */
  live(): Iterable<{ learner: string; lab: string; ip: string }>;
}

/** Whether labs can start at all; `reason` says what to do when not. */
export type Readiness = () => Promise<{ ok: boolean; reason?: string }>;

export class Admission {
  private readonly catalog: LabCatalog;
  private readonly sessions: LiveSessions;
  private readonly ready: Readiness;
  private readonly caps: SessionCaps;
  private readonly retryLaterMs: number;
  private readonly rules: AdmissionRule[] = [];
  private readonly creations: RateLimiter;
  private readonly metrics?: Pick<Metrics, 'admissionRefused'>;

  constructor(options: {
    catalog: LabCatalog; sessions: LiveSessions; ready: Readiness; caps: SessionCaps;
    /** How long a learner at the per-learner cap waits for a closed lab to go (its detached grace). */
    retryLaterMs: number;
    now?: () => number;
    metrics?: Pick<Metrics, 'admissionRefused'>;
  }) {
    this.metrics = options.metrics;
    this.catalog = options.catalog;
    this.sessions = options.sessions;
    this.ready = options.ready;
    this.caps = options.caps;
    this.retryLaterMs = options.retryLaterMs;
    this.creations = new RateLimiter({ capacity: options.caps.createBurst, perMinute: options.caps.createPerMinute, ...(options.now ? { now: options.now } : {}) });
  }

  /** Adds a feature's rule; returns its removal. */
  addRule(rule: AdmissionRule): () => void {
    this.rules.push(rule);
    return () => void this.rules.splice(this.rules.indexOf(rule), 1);
  }

  /** Decides, throwing the refusal as a LabError; returns the lab's catalog entry when admitted. */
  async decide(request: AdmissionRequest, mode: 'ticket' | 'start'): Promise<CatalogLab> {
    try {
      return await this.decideOnce(request, mode);
    } catch (error) {
      if (error instanceof LabError) this.metrics?.admissionRefused(error.code);
      throw error;
    }
  }

  private async decideOnce(request: AdmissionRequest, mode: 'ticket' | 'start'): Promise<CatalogLab> {
    const lab = this.catalog.get(request.lab);
    if (!lab) throw new LabError('NOT_FOUND', `There is no lab called "${request.lab.slice(0, 40)}".`);
    for (const rule of this.rules) {
      const refusal = rule.ticketTime ? rule.refuse?.(request) : undefined;
      if (refusal) throw refusal;
    }
    const state = await this.ready();
    if (!state.ok) throw new LabError('ENGINE_UNAVAILABLE', state.reason ?? 'Labs are not available on this server right now.');
    if (mode === 'ticket') return lab;
    for (const rule of this.rules) {
      const refusal = rule.refuse?.(request);
      if (refusal) throw refusal;
    }
    const live = [...this.sessions.live()];
    if (live.some((s) => s.learner === request.learner && s.lab === request.lab)) return lab;
    this.checkCaps(request, live);
    const rate = this.creations.take(request.learner);
    if (!rate.ok) {
      throw new LabError('RATE_LIMITED', `You started labs very quickly. Wait ${Math.ceil(rate.retryAfterMs / 1000)} s before starting another.`, { retryAfterMs: rate.retryAfterMs });
    }
    return lab;
  }

  private checkCaps(request: AdmissionRequest, live: ReadonlyArray<{ learner: string; lab: string; ip: string }>): void {
    const mine = live.filter((s) => s.learner === request.learner);
    if (mine.length >= this.caps.perLearner) {
      throw new LabError('LIMIT_REACHED', `You already have ${mine.length} labs running (${mine.map((s) => s.lab).join(', ')}), the most one learner may have. Close one of their pages; it is removed two minutes later, then start this one again.`, { retryAfterMs: this.retryLaterMs });
    }
    const shared = this.rules.some((rule) => rule.sharesAddress?.(request.learner));
    if (!shared && live.filter((s) => s.ip === request.ip).length >= this.caps.perIp) {
      throw new LabError('LIMIT_REACHED', 'Too many labs are running from your network address. Try again in a few minutes, or ask your instructor.', { retryAfterMs: 60_000 });
    }
    if (live.length >= this.caps.global) {
      throw new LabError('LIMIT_REACHED', 'This lab-server is full right now. Labs free up as learners finish; try again in a minute.', { retryAfterMs: 60_000 });
    }
  }
}

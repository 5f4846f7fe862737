/**
 * Every metric lab-server exports on /metrics (Prometheus text format, through prom-client), in one
 * registry per server. Rooms record through the small methods here and never see prom-client; what is
 * a gauge of current state (sessions by state, the warm pool, workshop learners) is read when scraped,
 * from functions app.ts hands in. Labels are bounded sets only: a lab slug, a gate route name, a
 * refusal's code and lesson, a state; never a learner, a session or an address. docs/operations.md
 * lists every series and what to alert on.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Seconds; a warm start is an exec (~0.1 s), a cold one creates a container (~0.5 s), a slow engine takes many. */
const START_BUCKETS_S = [0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.5, 2.5, 5, 10, 30];
/** Seconds; a check run is one request to the sandbox's agent, usually tens of milliseconds. */
const CHECK_BUCKETS_S = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export type StartKind = 'warm' | 'cold';
export type CheckResult = 'passed' | 'failed' | 'error';
/** allowed: answered (forwarded or served by the gate); refused: the policy or the framing said no; not_found: outside the session's objects or missing; engine_error: the engine failed; failed: the gate itself did. */
export type GateDecision = 'allowed' | 'refused' | 'not_found' | 'engine_error' | 'failed';
export type EngineFailure = 'unavailable' | 'refused';

/** What the scrape reads of the server's current state. */
export interface MetricSources {
  sessionStates(): Iterable<string>;
  poolSize(): number;
  workshopLearners(): number;
  draining(): boolean;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly sandboxStarts = new Counter({ name: 'bulkhead_sandbox_starts_total', help: 'Sandbox starts by kind (warm: claimed from the pool; cold: created) and result.', labelNames: ['kind', 'result'], registers: [this.registry] });
  private readonly startSeconds = new Histogram({ name: 'bulkhead_sandbox_start_seconds', help: 'Time from a new session to its shell being ready, by kind.', labelNames: ['kind'], buckets: START_BUCKETS_S, registers: [this.registry] });
  private readonly poolRefills = new Counter({ name: 'bulkhead_warm_pool_refills_total', help: 'Sandboxes the warm pool pre-created, by result.', labelNames: ['result'], registers: [this.registry] });
  private readonly connections = new Gauge({ name: 'bulkhead_terminal_connections', help: 'Open terminal WebSockets.', registers: [this.registry] });
  private readonly terminalBytes = new Counter({ name: 'bulkhead_terminal_bytes_total', help: 'Terminal bytes over the WebSockets: in (keys, from browsers) and out (output, to browsers).', labelNames: ['direction'], registers: [this.registry] });
  private readonly bytesIn = this.terminalBytes.labels('in');
  private readonly bytesOut = this.terminalBytes.labels('out');
  private readonly flowPauses = new Counter({ name: 'bulkhead_terminal_flow_pauses_total', help: 'Times a shell\'s output was paused because its typist\'s connection was behind (flow control).', registers: [this.registry] });
  private readonly peersDropped = new Counter({ name: 'bulkhead_terminal_dropped_total', help: 'Output dropped by flow control: tabs and watchers cut for falling too far behind (they reconnect and replay), and frames for sockets already closing.', labelNames: ['what'], registers: [this.registry] });
  private readonly framesDropped = this.peersDropped.labels('frame');
  private readonly checkRuns = new Counter({ name: 'bulkhead_check_runs_total', help: 'Check runs by lab and result (passed: every exercise checked is done; failed: some criterion failed; error: the run itself failed).', labelNames: ['lab', 'result'], registers: [this.registry] });
  private readonly checkSeconds = new Histogram({ name: 'bulkhead_check_duration_seconds', help: 'Duration of a check run, queueing for the server-wide limit included, by lab.', labelNames: ['lab'], buckets: CHECK_BUCKETS_S, registers: [this.registry] });
  private readonly gateRequests = new Counter({ name: 'bulkhead_gate_requests_total', help: 'Docker API requests through the gates, by route and decision.', labelNames: ['route', 'decision'], registers: [this.registry] });
  private readonly gateRefusals = new Counter({ name: 'bulkhead_gate_refusals_total', help: 'Gate refusals by code (POLICY, QUOTA, UNSUPPORTED, BAD_REQUEST, TOO_LARGE, ...) and the lesson that teaches why.', labelNames: ['code', 'lesson'], registers: [this.registry] });
  private readonly previewRequests = new Counter({ name: 'bulkhead_preview_requests_total', help: 'Port-preview requests passed to a lab\'s app, by kind (http, websocket).', labelNames: ['kind'], registers: [this.registry] });
  private readonly previewBytes = new Counter({ name: 'bulkhead_preview_bytes_total', help: 'Bytes from labs\' apps to browsers through the port preview.', registers: [this.registry] });
  private readonly engineErrors = new Counter({ name: 'bulkhead_engine_errors_total', help: 'Docker Engine failures seen by lab-server, by kind (unavailable: no answer; refused: an error answer).', labelNames: ['kind'], registers: [this.registry] });
  private readonly ticketRefusals = new Counter({ name: 'bulkhead_admission_refusals_total', help: 'Labs refused at admission, by code (LIMIT_REACHED, RATE_LIMITED, NOT_ADMITTED, DRAINING, ...).', labelNames: ['code'], registers: [this.registry] });

  constructor(sources?: MetricSources) {
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 });
    if (!sources) return;
    new Gauge({
      name: 'bulkhead_sessions', help: 'Lab sessions by state (starting, ready, detached, expired and not yet removed).', labelNames: ['state'], registers: [this.registry],
      collect() {
        const counts: Record<string, number> = { starting: 0, ready: 0, detached: 0, expired: 0 };
        for (const state of sources.sessionStates()) counts[state] = (counts[state] ?? 0) + 1;
        for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
      },
    });
    new Gauge({ name: 'bulkhead_warm_pool_sandboxes', help: 'Sandboxes ready to claim in the warm pool.', registers: [this.registry], collect() { this.set(sources.poolSize()); } });
    new Gauge({ name: 'bulkhead_workshop_learners_connected', help: 'Seated learners of running workshops with a terminal open now.', registers: [this.registry], collect() { this.set(sources.workshopLearners()); } });
    new Gauge({ name: 'bulkhead_draining', help: '1 while the server drains (SIGTERM): no new labs, open ones end at the grace period\'s end.', registers: [this.registry], collect() { this.set(sources.draining() ? 1 : 0); } });
  }

  sandboxStarted(kind: StartKind, seconds: number): void {
    this.sandboxStarts.inc({ kind, result: 'ok' });
    this.startSeconds.observe({ kind }, seconds);
  }

  sandboxFailed(kind: StartKind): void {
    this.sandboxStarts.inc({ kind, result: 'failed' });
  }

  poolRefilled(ok: boolean): void {
    this.poolRefills.inc({ result: ok ? 'ok' : 'failed' });
  }

  connectionOpened(): void {
    this.connections.inc();
  }

  connectionClosed(): void {
    this.connections.dec();
  }

  bytesFromBrowser(bytes: number): void {
    this.bytesIn.inc(bytes);
  }

  bytesToBrowser(bytes: number): void {
    this.bytesOut.inc(bytes);
  }

  frameDropped(): void {
    this.framesDropped.inc();
  }

  flowPaused(): void {
    this.flowPauses.inc();
  }

  peerDropped(what: 'tab' | 'watcher'): void {
    this.peersDropped.inc({ what });
  }

  checkRun(lab: string, result: CheckResult, seconds: number): void {
    this.checkRuns.inc({ lab, result });
    this.checkSeconds.observe({ lab }, seconds);
  }

  /** One request through a gate, as the gate's observer hears it (gate/refusal.ts GateOutcome). */
  readonly gateOutcome = (route: string, outcome: { decision: GateDecision; code?: string; lesson?: string }): void => {
    this.gateRequests.inc({ route, decision: outcome.decision });
    if (outcome.decision === 'refused') this.gateRefusals.inc({ code: outcome.code ?? 'POLICY', lesson: outcome.lesson ?? 'none' });
  };

  previewRequest(kind: 'http' | 'websocket'): void {
    this.previewRequests.inc({ kind });
  }

  previewSent(bytes: number): void {
    this.previewBytes.inc(bytes);
  }

  engineError(kind: EngineFailure): void {
    this.engineErrors.inc({ kind });
  }

  admissionRefused(code: string): void {
    this.ticketRefusals.inc({ code });
  }

  /** The exposition for a scrape. */
  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/**
 * What an operator scrapes, against the real engine: after a lab start, a check and a refused
 * `docker run --privileged` through the gate, /metrics counts each under its labels (and no label
 * carries a learner or a session); /metrics is off on a public address without METRICS_TOKEN and
 * needs the token when one is set; /readyz says when labs can start.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../helpers/lab-server.ts';
import { ROOT } from '../helpers/lab-server-process.ts';
import { TerminalClient } from '../helpers/terminal-client.ts';

const servers: Array<Awaited<ReturnType<typeof startTestServer>>> = [];
const clients: TerminalClient[] = [];

afterAll(async () => {
  for (const client of clients) await client.close().catch(() => undefined);
  for (const s of servers) await s.server.close().catch(() => undefined);
});

/** Every sample of a Prometheus text exposition: `name{labels}` → value. */
function samples(text: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    found.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return found;
}

async function scrape(base: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(`${base}/metrics`, { headers });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

describe('/metrics', () => {
  it('counts a lab start, a check and a refused docker run --privileged under their labels', async () => {
    // The course's own compose lab: it has the Docker gate and exercises.
    const s = await startTestServer('ops-metrics', { env: { CONTENT_DIR: join(ROOT, 'content') } });
    servers.push(s);
    const before = samples((await scrape(s.base)).text);
    expect(before.get('bulkhead_sandbox_starts_total{kind="cold",result="ok"}') ?? 0).toBe(0);

    const client = await TerminalClient.connect({ base: s.base, lab: 'compose' });
    clients.push(client);
    const ready = await client.ready(60_000);
    await client.prompt(30_000);
    client.ws.send(JSON.stringify({ type: 'check' }));
    await client.waitForControl('checks', 30_000);
    client.type('docker run --rm --privileged bulkhead/web:nginx-1.26 true; echo "exit=$?"\r');
    await client.waitForText(/--privileged is not allowed here[\s\S]*exit=\d+/, 30_000);

    const { status, type, text } = await scrape(s.base);
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    const after = samples(text);
    expect(after.get('bulkhead_sandbox_starts_total{kind="cold",result="ok"}')).toBe(1);
    expect(after.get('bulkhead_sandbox_start_seconds_count{kind="cold"}')).toBe(1);
    expect(after.get('bulkhead_sandbox_start_seconds_sum{kind="cold"}')).toBeGreaterThan(0);
    expect(after.get('bulkhead_sessions{state="ready"}')).toBe(1);
    expect(after.get('bulkhead_terminal_connections')).toBe(1);
    expect(after.get('bulkhead_terminal_bytes_total{direction="in"}')).toBeGreaterThan(40);
    expect(after.get('bulkhead_terminal_bytes_total{direction="out"}')).toBeGreaterThan(0);
    const checkRuns = [...after].filter(([key]) => key.startsWith('bulkhead_check_runs_total{lab="compose"'));
    expect(checkRuns.reduce((n, [, value]) => n + value, 0)).toBeGreaterThanOrEqual(1);
    expect(after.get('bulkhead_check_duration_seconds_count{lab="compose"}')).toBeGreaterThanOrEqual(1);
    expect(after.get('bulkhead_gate_requests_total{route="containerCreate",decision="refused"}')).toBe(1);
    expect(after.get('bulkhead_gate_refusals_total{code="POLICY",lesson="capabilities"}')).toBe(1);
    expect(after.get('bulkhead_gate_requests_total{route="ping",decision="allowed"}')).toBeGreaterThanOrEqual(1);
    // Node's own: event-loop delay, heap, RSS.
    expect(after.get('nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0);
    expect(after.get('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(after.get('process_resident_memory_bytes')).toBeGreaterThan(0);
    // Low cardinality: no learner, session or cookie in any label.
    const learner = client.cookie.split('=')[1] ?? '';
    expect(learner.length).toBeGreaterThan(8);
    expect(text).not.toContain(ready.session);
    expect(text).not.toContain(learner);
  }, 180_000);

  it('is off (403) on a public address without METRICS_TOKEN, and needs the token when one is set', async () => {
    const open = await startTestServer('ops-public', { env: { HOST: '0.0.0.0' } });
    servers.push(open);
    const refused = await scrape(open.base);
    expect(refused.status).toBe(403);
    expect(refused.text).toMatch(/METRICS_TOKEN/);
    expect(refused.text).not.toMatch(/bulkhead_/);

    const token = 'a-long-enough-metrics-token-for-the-test';
    const guarded = await startTestServer('ops-token', { env: { HOST: '0.0.0.0', METRICS_TOKEN: token } });
    servers.push(guarded);
    const anonymous = await scrape(guarded.base);
    expect(anonymous.status).toBe(401);
    expect(anonymous.text).not.toMatch(/bulkhead_/);
    expect((await scrape(guarded.base, { Authorization: 'Bearer not-the-token-at-all-but-long' })).status).toBe(401);
    const allowed = await scrape(guarded.base, { Authorization: `Bearer ${token}` });
    expect(allowed.status).toBe(200);
    expect(allowed.text).toMatch(/^bulkhead_terminal_connections 0$/m);
  }, 60_000);
});

describe('/readyz', () => {
  it('is ready when labs can start, and /healthz stays alive', async () => {
    const s = await startTestServer('ops-ready');
    servers.push(s);
    const ready = await fetch(`${s.base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ready: true, checks: { labs: true, pool: true, draining: false } });
    expect((await fetch(`${s.base}/healthz`)).status).toBe(200);
  });
});

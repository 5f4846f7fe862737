import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Metrics } from '../../lab-server/ops/metrics.ts';

const dashboard = JSON.parse(readFileSync(new URL('../../docs/grafana-dashboard.json', import.meta.url), 'utf8')) as {
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
};

describe('the Grafana dashboard (docs/grafana-dashboard.json)', () => {
  it('queries only series that lab-server exports', async () => {
    const metrics = new Metrics({ sessionStates: () => [], poolSize: () => 0, workshopLearners: () => 0, draining: () => false });
    const exported = new Set<string>();
    for (const metric of await metrics.registry.getMetricsAsJSON()) {
      exported.add(metric.name);
      if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(`${metric.name}${suffix}`);
    }
    const queried = dashboard.panels.flatMap((panel) => panel.targets.flatMap((target) => target.expr.match(/\b(bulkhead|nodejs|process)_[a-z0-9_]+/g) ?? []));
    expect(queried.length).toBeGreaterThan(15);
    for (const name of queried) expect(exported.has(name), name).toBe(true);
    for (const must of ['Labs running', 'Sandbox start latency', 'Check latency p95 by lab', 'Gate refusals per minute', 'Event-loop delay', 'Memory']) {
      expect(dashboard.panels.map((p) => p.title)).toContain(must);
    }
  });
});

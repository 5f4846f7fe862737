import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURE_CONTENT } from '../helpers/lab-server.ts';
import { startServerProcess } from '../helpers/lab-server-process.ts';

describe('lab-server without a Docker Engine', () => {
  it('serves the site in reading mode and says in one sentence how to get labs', async () => {
    const site = mkdtempSync(join(tmpdir(), 'bulkhead-site-'));
    mkdirSync(join(site, 'lessons', 'demo'), { recursive: true });
    writeFileSync(join(site, 'lessons', 'demo', 'index.html'), '<h1>Demo lesson</h1>');
    const server = await startServerProcess({ DOCKER_HOST: 'unix:///nonexistent/docker.sock', SITE_DIR: site, CONTENT_DIR: FIXTURE_CONTENT, BULKHEAD_INSTANCE: 'test-reading' });
    try {
      await expect.poll(() => server.output()).toMatch(/Reading mode: Docker Engine not reachable .*start Docker .* or point DOCKER_HOST at a running engine/);
      const page = await fetch(`${server.url}/lessons/demo/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Demo lesson');
      const health = (await (await fetch(`${server.url}/healthz`)).json()) as { ok: boolean; labs: string; reason: string };
      expect(health).toMatchObject({ ok: true, labs: 'unavailable' });
      const ticket = await fetch(`${server.url}/api/tickets`, { method: 'POST', headers: { Origin: server.url, 'Content-Type': 'application/json' }, body: '{"lab":"demo"}' });
      expect(ticket.status).toBe(503);
      expect(((await ticket.json()) as { error: string }).error).toMatch(/^Docker Engine not reachable/);
      // The operator's view of the same: not ready, engine errors counted, the ticket's refusal too.
      const ready = await fetch(`${server.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ ready: false, checks: { labs: false }, reason: expect.stringMatching(/^Docker Engine not reachable/) });
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toMatch(/^bulkhead_engine_errors_total\{kind="unavailable"\} [1-9]\d*$/m);
      expect(metrics).toMatch(/^bulkhead_admission_refusals_total\{code="ENGINE_UNAVAILABLE"\} 1$/m);
    } finally {
      await server.stop();
    }
  });
});

/**
 * The compose deployment as a newcomer runs it: `docker compose up -d --build` from the project folder,
 * then the course, a lab and a check in Chromium against the published port, then `docker compose
 * down -v`, after which nothing of the deployment is left in the engine (containers, networks, volumes,
 * the labs' objects). lab-server runs in its container as uid 10001 with only the engine's socket.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.ts';
import { composeCommand } from '../helpers/compose.ts';
import { docker } from '../helpers/gate.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const UP_TIMEOUT_MS = 900_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

const suffix = randomBytes(3).toString('hex');
const project = `bulkhead-e2e-${suffix}`;
const instance = `e2e-compose-${suffix}`;
let compose: string[];
let env: NodeJS.ProcessEnv;
let base: string;
let browser: Browser;
let page: Page;

async function composeRun(args: string[], timeout = UP_TIMEOUT_MS) {
  return run(compose[0]!, [...compose.slice(1), '-p', project, ...args], { cwd: ROOT, env, timeout, maxBuffer: 64 * 1024 * 1024 });
}

async function leftovers() {
  const byProject = { label: [`com.docker.compose.project=${project}`] };
  const byInstance = { label: [`bulkhead.instance=${instance}`] };
  const [containers, labContainers, networks, labNetworks, volumes, labVolumes] = await Promise.all([
    docker.listContainers({ all: true, filters: byProject }), docker.listContainers({ all: true, filters: byInstance }),
    docker.listNetworks({ filters: byProject }), docker.listNetworks({ filters: byInstance }),
    docker.listVolumes({ filters: byProject }), docker.listVolumes({ filters: byInstance }),
  ]);
  return {
    containers: containers.length + labContainers.length,
    networks: networks.length + labNetworks.length,
    volumes: (volumes.Volumes ?? []).length + (labVolumes.Volumes ?? []).length,
  };
}

describe('the compose deployment', () => {
  beforeAll(async () => {
    compose = await composeCommand();
    const port = await freePort();
    env = { ...process.env, BULKHEAD_PORT: String(port), BULKHEAD_INSTANCE: instance, DOCKER_GID: String(statSync('/var/run/docker.sock').gid), DRAIN_GRACE_S: '2' };
    base = `http://localhost:${port}`;
    const started = Date.now();
    await composeRun(['up', '-d', '--build', '--wait']);
    // --wait returns once lab-server's health check passed; /healthz answers from the host's side too.
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    console.log(`compose deployment: /healthz served ${((Date.now() - started) / 1000).toFixed(1)} s after \`docker compose up -d --build\``);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  }, UP_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    if (compose) await composeRun(['down', '-v', '--timeout', '60']).catch((error: unknown) => console.error(error));
    expect(await leftovers()).toEqual({ containers: 0, networks: 0, volumes: 0 });
  }, 120_000);

  it('runs lab-server unprivileged, with the socket and nothing else of the host', async () => {
    const [container] = await docker.listContainers({ filters: { label: [`com.docker.compose.project=${project}`, 'com.docker.compose.service=lab-server'] } });
    const inspected = await docker.getContainer(container!.Id).inspect();
    expect(inspected.Config.User).toBe('10001:10001');
    expect(inspected.HostConfig.CapDrop).toEqual(['ALL']);
    expect(inspected.HostConfig.ReadonlyRootfs).toBe(true);
    expect(inspected.HostConfig.SecurityOpt).toContain('no-new-privileges:true');
    expect(inspected.Mounts.filter((m) => m.Type === 'bind').map((m) => m.Destination)).toEqual(['/var/run/docker.sock']);
    expect(inspected.Mounts.filter((m) => m.Type === 'volume').map((m) => m.Destination)).toEqual(['/data']);
    const bindings = Object.values((inspected.HostConfig.PortBindings ?? {}) as Record<string, Array<{ HostIp?: string }>>).flat();
    expect(bindings.map((b) => b.HostIp)).toEqual(['127.0.0.1']);
  });

  it('serves the course, opens a lab and checks an exercise as the learner types', async () => {
    await page.goto(`${base}/`);
    await expect.poll(() => page.title()).toMatch(/Bulkhead|Docker/i);
    await page.goto(`${base}/lessons/capabilities/`);
    await page.getByRole('button', { name: 'Start lab' }).click();
    const rows = page.locator('bulkhead-lab .xterm-rows');
    await expect.poll(() => rows.innerText(), { timeout: 60_000 }).toMatch(/learner@lab/);
    await page.locator('bulkhead-lab .xterm-helper-textarea').focus();
    await page.keyboard.type('docker run -d --name nocaps --cap-drop ALL bulkhead/web:nginx-1.26');
    await page.keyboard.press('Enter');
    const status = page.locator('[data-criterion="drop-all/nocaps-no-caps"] [data-status]');
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 60_000 }).toBe('pass');
    const saved = await page.evaluate(async () => (await (await fetch('/api/progress/capabilities')).json()) as { done: string[] });
    expect(saved.done).toContain('drop-all');
  });
});

/**
 * The Compose lesson's preview in a real Chromium: start the lab in the page, bring the counter app
 * (app + redis) up in that session, open the preview from the lab pane, reload twice, see the count rise.
 *
 * Until the Docker gate is wired into lab-server, the test starts the two containers itself with the
 * labels and network the gate gives them (`bringUpCounter`); once it is, the test types the lesson's
 * `docker compose up` into the terminal instead (docs/preview.md, "Testing").
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import Docker from 'dockerode';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { imageRefs } from '../../lab-server/images.ts';
import { LABEL_INSTANCE, LABEL_MANAGED, LABEL_ROLE, LABEL_SESSION } from '../../lab-server/labels.ts';
import { seriousViolations } from '../helpers/axe.ts';
import { launchBrowser } from '../helpers/browser.ts';

const ELEMENT = fileURLToPath(new URL('../../src/components/lab-preview.ts', import.meta.url));
const docker = new Docker({ socketPath: process.env.DOCKER_SOCKET ?? '/var/run/docker.sock' });
let browser: Browser;
let context: BrowserContext;
let session = '';

async function terminalText(page: Page): Promise<string> {
  return page.locator('bulkhead-lab .xterm-rows').innerText();
}

/** What `docker compose up -d` of the lesson's compose.yaml makes, through the gate, in this session. */
async function bringUpCounter(sessionId: string): Promise<void> {
  const [network] = await docker.listNetworks({ filters: { label: [`${LABEL_SESSION}=${sessionId}`] } });
  if (!network) throw new Error(`session ${sessionId} has no network`);
  const instance = network.Labels?.[LABEL_INSTANCE] ?? '';
  const labels = (service: string) => ({
    [LABEL_MANAGED]: 'true', [LABEL_INSTANCE]: instance, [LABEL_SESSION]: sessionId, [LABEL_ROLE]: 'learner',
    'com.docker.compose.project': 'counter', 'com.docker.compose.service': service,
  });
  const start = async (service: string, image: string, env: string[] = []) => {
    const container = await docker.createContainer({
      Image: image, Env: env, Labels: labels(service),
      HostConfig: { NetworkMode: network.Name },
      NetworkingConfig: { EndpointsConfig: { [network.Name]: { Aliases: [service] } } },
    });
    await container.start();
  };
  await start('redis', (await imageRefs('redis')).hashTag);
  await start('app', (await imageRefs('app')).hashTag, ['REDIS_HOST=redis']);
}

/** The lab pane's preview list; mounted here while LessonLayout does not mount it yet. */
async function ensurePreviewElement(page: Page): Promise<void> {
  if (await page.locator('bulkhead-preview').count()) return;
  const source = await readFile(ELEMENT, 'utf8');
  const js = ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext } }).outputText;
  await page.addScriptTag({ content: js, type: 'module' });
  await page.evaluate(() => {
    const element = document.createElement('bulkhead-preview');
    element.setAttribute('lab', 'compose');
    element.setAttribute('preview-port', '3000');
    document.querySelector('bulkhead-lab')?.after(element);
  });
}

function viewCount(text: string): number {
  const match = /viewed (\d+) times?/.exec(text);
  if (!match?.[1]) throw new Error(`no view count in ${JSON.stringify(text.slice(0, 200))}`);
  return Number(match[1]);
}

describe('the port preview of the Compose lesson', () => {
  beforeAll(async () => {
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  });
  afterAll(async () => {
    if (session) {
      const own = await docker.listContainers({ all: true, filters: { label: [`${LABEL_SESSION}=${session}`, `${LABEL_ROLE}=learner`] } });
      await Promise.all(own.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
    }
    await browser?.close();
  });

  it('opens the counter app from the lab pane and counts every reload', async () => {
    const page = await context.newPage();
    page.on('websocket', (ws) => ws.on('framereceived', ({ payload }) => {
      if (typeof payload !== 'string' || session) return;
      const message = JSON.parse(payload) as { type?: string; session?: string };
      if (message.type === 'ready' && message.session) session = message.session;
    }));
    await page.goto(`${inject('baseUrl')}/lessons/compose/`);
    await page.getByRole('button', { name: 'Start lab' }).click();
    await expect.poll(() => terminalText(page), { timeout: 30_000 }).toMatch(/learner@lab[^\n]*\$/);
    expect(session).not.toBe('');

    await bringUpCounter(session);
    await ensurePreviewElement(page);
    const link = page.getByRole('link', { name: 'Open preview of port 3000 (app)' });
    await link.waitFor({ timeout: 30_000 });
    await expect.poll(() => page.locator('bulkhead-preview li[data-lesson-port] mark').innerText()).toBe('this lesson\'s app');
    // The rest of the page has its own axe check (course.test.ts); here, what the preview list adds.
    expect((await seriousViolations(page)).filter((v) => v.includes('bulkhead-preview'))).toEqual([]);

    const [preview] = await Promise.all([context.waitForEvent('page'), link.click()]);
    await preview.waitForLoadState();
    expect(new URL(preview.url()).hostname).toMatch(/^p3000-[a-z2-7]{26}\.localhost$/);
    // Redis may still be starting when the first request arrives: the app then answers 503; reload until it counts.
    await expect.poll(async () => {
      await preview.reload();
      return /viewed \d+ time/.test(await preview.locator('body').innerText());
    }, { timeout: 30_000 }).toBe(true);
    const first = viewCount(await preview.locator('body').innerText());
    await preview.reload();
    await preview.reload();
    expect(viewCount(await preview.locator('body').innerText())).toBe(first + 2);

    // The preview's origin is its own: the course's cookie is not there, and the course's API is not served.
    const cookies = await context.cookies(preview.url());
    expect(cookies.map((c) => c.name)).toEqual(['bh_preview']);
    await page.close();
    await preview.close();
  });
});

/**
 * The Compose lesson's preview in a real Chromium: start the lab in the page, bring the counter app
 * (app + redis) up by typing `docker compose up` in the terminal (through the session's Docker gate),
 * open the preview from the lab pane, reload twice, see the count rise.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { seriousViolations } from '../helpers/axe.ts';
import { launchBrowser } from '../helpers/browser.ts';

let browser: Browser;
let context: BrowserContext;
const COMPOSE = "name: counter\\nservices:\\n  app:\\n    image: bulkhead/app:node-20.19\\n    depends_on: [redis]\\n  redis:\\n    image: bulkhead/redis:redis-8.0\\n";

async function terminalText(page: Page): Promise<string> {
  return page.locator('bulkhead-lab .xterm-rows').innerText();
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
    await browser?.close();
  });

  it('opens the counter app from the lab pane and counts every reload', async () => {
    const page = await context.newPage();
    await page.goto(`${inject('baseUrl')}/lessons/compose/`);
    await page.getByRole('button', { name: 'Start lab' }).click();
    await expect.poll(() => terminalText(page), { timeout: 30_000 }).toMatch(/learner@lab[^\n]*\$/);
    await page.locator('bulkhead-lab .xterm-helper-textarea').focus();
    await page.keyboard.type(`mkdir -p ~/counter && cd ~/counter && printf '${COMPOSE}' > compose.yaml && docker compose up -d && echo UP-DONE`);
    await page.keyboard.press('Enter');
    await expect.poll(() => terminalText(page), { timeout: 90_000 }).toMatch(/^UP-DONE\s*$/m);
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

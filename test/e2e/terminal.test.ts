import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { fileURLToPath } from 'node:url';
import { loadLessons } from '../../lab-server/lessons.ts';
import { launchBrowser } from '../helpers/browser.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
let browser: Browser;

async function terminalText(page: Page): Promise<string> {
  return page.locator('bulkhead-lab .xterm-rows').innerText();
}

describe('the lab terminal in a lesson page', () => {
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('starts a sandbox, shows a prompt and runs what the learner types', async () => {
    const lessons = await loadLessons(`${ROOT}content`);
    const lesson = lessons.find((l) => l.slug === 'capabilities') ?? lessons.find((l) => l.lab);
    expect(lesson, 'a lesson with a lab').toBeDefined();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${inject('baseUrl')}/lessons/${lesson?.slug}/`);
    await page.getByRole('button', { name: 'Start lab' }).click();
    await page.locator('bulkhead-lab .xterm-rows').waitFor();
    await expect.poll(() => terminalText(page), { timeout: 20_000 }).toMatch(/learner@lab[^\n]*\$/);
    await page.locator('bulkhead-lab .xterm-helper-textarea').focus();
    await page.keyboard.type('echo hello-$((6*7))');
    await page.keyboard.press('Enter');
    // The output line (not the echoed command) proves the shell ran it.
    await expect.poll(() => terminalText(page), { timeout: 10_000 }).toMatch(/^hello-42$/m);
    await page.screenshot({ path: `${ROOT}docs/screenshot.png` });
    await page.close();
  });
});

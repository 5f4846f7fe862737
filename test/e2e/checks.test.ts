import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.ts';

let browser: Browser;
let page: Page;

function criterion(exercise: string, id: string) {
  const item = page.locator(`[data-criterion="${exercise}/${id}"]`);
  return { status: item.locator('[data-status]'), message: item.locator('[data-message]') };
}

async function type(command: string): Promise<void> {
  await page.locator('bulkhead-lab .xterm-helper-textarea').focus();
  await page.keyboard.type(command);
  await page.keyboard.press('Enter');
}

describe('an exercise checked as the learner types', () => {
  beforeAll(async () => {
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the specific message for a wrong attempt, then turns green without a button', async () => {
    await page.goto(`${inject('baseUrl')}/lessons/capabilities/`);
    await page.getByRole('button', { name: 'Start lab' }).click();
    const rows = page.locator('bulkhead-lab .xterm-rows');
    await expect.poll(() => rows.innerText(), { timeout: 30_000 }).toMatch(/learner@lab/);
    const dropAll = criterion('drop-all', 'nocaps-no-caps');
    const running = criterion('drop-all', 'nocaps-running');

    // A plausible mistake: dropping one capability instead of all of them.
    await type('docker run -d --name nocaps --cap-drop NET_RAW bulkhead/web:nginx-1.26');
    await expect.poll(() => dropAll.message.innerText(), { timeout: 30_000 }).toMatch(/drops only NET_RAW/);
    expect(await dropAll.status.getAttribute('data-status')).toBe('fail');
    expect(await running.status.getAttribute('data-status')).toBe('pass');

    await type('docker rm -f nocaps && docker run -d --name nocaps --cap-drop ALL bulkhead/web:nginx-1.26');
    await expect.poll(() => dropAll.status.getAttribute('data-status'), { timeout: 30_000 }).toBe('pass');
    expect(await running.status.getAttribute('data-status')).toBe('pass');
    await expect.poll(() => page.locator('[data-exercise="drop-all"]').getAttribute('data-done')).not.toBeNull();
    const saved = await page.evaluate(async () => (await (await fetch('/api/progress/capabilities')).json()) as { done: string[] });
    expect(saved.done).toContain('drop-all');
  });

  it('resets the learner\'s progress in the lab when asked', async () => {
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Reset my progress in this lab' }).click();
    await expect.poll(() => page.locator('.exercises-reset-status').innerText()).toBe('Progress reset.');
    expect(await criterion('drop-all', 'nocaps-no-caps').status.getAttribute('data-status')).toBe('idle');
    const saved = await page.evaluate(async () => (await (await fetch('/api/progress/capabilities')).json()) as { done: string[] });
    expect(saved.done).toEqual([]);
  });
});

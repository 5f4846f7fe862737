import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.ts';
import { seriousViolations } from '../helpers/axe.ts';

let browser: Browser;
let page: Page;

describe('a learner finding their way through the course', () => {
  beforeAll(async () => {
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('opens the landing page, which has no serious accessibility violations', async () => {
    await page.goto(`${inject('baseUrl')}/`);
    await expect.poll(() => page.title()).toMatch(/Bulkhead/);
    expect(await page.getByRole('link', { name: /start the course/i }).count()).toBeGreaterThan(0);
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('goes through the outline to lesson 8', async () => {
    await page.getByRole('link', { name: /start the course/i }).first().click();
    await page.waitForURL(/\/lessons\/compose\/?$/);
    await page.getByRole('navigation', { name: /course/i }).getByRole('link', { name: /capabilities/i }).click();
    await page.waitForURL(/\/lessons\/capabilities\/?$/);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toMatch(/capabilities/i);
    const current = page.locator('[aria-current="page"]').first();
    expect(await current.innerText()).toMatch(/Capabilities/);
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('searches for CapEff and lands on the capabilities lesson', async () => {
    await page.goto(`${inject('baseUrl')}/`);
    await page.keyboard.press('/');
    const input = page.getByRole('searchbox', { name: /search lessons/i });
    await input.waitFor();
    await input.fill('CapEff');
    const first = page.locator('.search-results a').first();
    await first.waitFor({ timeout: 10_000 });
    expect(await first.getAttribute('href')).toMatch(/\/lessons\/capabilities\//);
    await first.click();
    await page.waitForURL(/\/lessons\/capabilities\//);
  });

  it('starts the lab from a Run in terminal button and shows the command\'s output', async () => {
    await page.goto(`${inject('baseUrl')}/lessons/capabilities/`);
    const block = page.locator('.code-block', { has: page.locator('pre[data-run]', { hasText: 'cat /proc/sys/kernel/cap_last_cap' }) }).first();
    await block.scrollIntoViewIfNeeded();
    await block.getByRole('button', { name: 'Run in terminal' }).click();
    const rows = page.locator('bulkhead-lab .xterm-rows');
    await rows.waitFor({ timeout: 20_000 });
    // The command may wrap in a narrow pane; its output is a line holding only the highest capability number.
    await expect.poll(() => rows.innerText(), { timeout: 20_000 }).toMatch(/^\s*\d{2}\s*$/m);
  });
});

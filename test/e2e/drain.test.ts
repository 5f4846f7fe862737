/**
 * The drain as a learner sees it, in a real Chromium: after SIGTERM the lab pane's status line and the
 * terminal itself say how long the lab has, the terminal keeps working, and when the server ends the lab
 * the page says why. Its own lab-server process (the shared one must not stop), over the built site.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.ts';
import { uniqueInstance } from '../helpers/docker.ts';
import { PROMPT, startLab, terminalText, typeLine } from '../helpers/lab-page.ts';
import { startServerProcess, type RunningServer } from '../helpers/lab-server-process.ts';

let browser: Browser;
let server: RunningServer | undefined;

describe('a lab page while the server drains', () => {
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('tells the learner in the status line and in the terminal, keeps the terminal working, then says the lab ended', async () => {
    server = await startServerProcess({ BULKHEAD_INSTANCE: uniqueInstance('e2e-drain'), WARM_POOL_SIZE: '0', DRAIN_GRACE_S: '300' });
    const exited = new Promise<number | null>((resolve) => server!.process.once('exit', (code) => resolve(code)));
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await startLab(page, server.url, 'capabilities');
    await expect.poll(() => terminalText(page), { timeout: 30_000 }).toMatch(PROMPT);

    server.process.kill('SIGTERM');
    const status = page.locator('bulkhead-lab [role="status"]');
    await expect.poll(() => status.innerText(), { timeout: 10_000 }).toMatch(/lab-server is restarting: this lab ends in \d+ s/);
    // The notice wraps at the terminal's width: read it without the line breaks.
    await expect.poll(async () => (await terminalText(page)).replace(/\n/g, ''), { timeout: 10_000 }).toMatch(/\[Bulkhead\] The lab-server is restarting: this lab ends in \d+ s/);
    await typeLine(page, 'echo drained-$((6*7))');
    await expect.poll(() => terminalText(page), { timeout: 10_000 }).toMatch(/^drained-42$/m);

    // The second SIGTERM (more than a second later) ends the lab at once.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    server.process.kill('SIGTERM');
    await expect.poll(() => status.innerText(), { timeout: 20_000 }).toMatch(/lab-server is restarting\. Reload the page/);
    expect(await exited).toBe(0);
    await page.close();
  }, 120_000);
});

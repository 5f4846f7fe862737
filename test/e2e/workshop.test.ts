/**
 * A workshop in real Chromium: an instructor creates it on the instructor page and watches the board;
 * three learners join in their own browser contexts. One learner completes an exercise of the threats
 * lesson (its lab needs no Docker) and the board shows it; the instructor shadows another learner and
 * sees their typing. Runs its own lab-server over the built site, with a data folder whose organizer
 * key the test can read.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.ts';
import { seriousViolations } from '../helpers/axe.ts';
import { testRuntime } from '../helpers/docker.ts';
import { startServerProcess, type RunningServer } from '../helpers/lab-server-process.ts';

const LESSON = 'threats';
const BOARD_DEADLINE_MS = 2_000;
const instance = `test-e2e-ws-${randomBytes(4).toString('hex')}`;
const dataDir = mkdtempSync(join(tmpdir(), 'bulkhead-e2e-workshop-'));
let server: RunningServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
let instructor: Page;
const learners: Page[] = [];
let joinLink = '';

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  contexts.push(context);
  return context.newPage();
}

/** xterm.js draws on animation frames and only while in view; Chromium pauses frames in a page not in front. */
async function terminalText(page: Page, selector = 'bulkhead-lab .xterm-rows'): Promise<string> {
  await page.bringToFront();
  const rows = page.locator(selector);
  await rows.scrollIntoViewIfNeeded();
  return rows.innerText();
}

async function startLab(page: Page): Promise<void> {
  await page.goto(`${server.url}/lessons/${LESSON}/`);
  await page.evaluate(() => {
    const seen: unknown[] = [];
    (window as unknown as { workshopEvents: unknown[] }).workshopEvents = seen;
    for (const type of ['bulkhead:watched', 'bulkhead:broadcast']) document.addEventListener(type, (e) => seen.push((e as CustomEvent).detail));
  });
  await page.getByRole('button', { name: 'Start lab' }).click();
  await expect.poll(() => terminalText(page), { timeout: 30_000 }).toMatch(/learner@lab[^\n]*\$/);
}

async function type(page: Page, line: string): Promise<void> {
  await page.bringToFront();
  await page.locator('bulkhead-lab .xterm-helper-textarea').focus();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

function events(page: Page): Promise<Array<{ type: string; watchers?: number; message?: string }>> {
  return page.evaluate(() => (window as unknown as { workshopEvents: Array<{ type: string }> }).workshopEvents);
}

describe('an instructor-run workshop', () => {
  beforeAll(async () => {
    server = await startServerProcess({ BULKHEAD_INSTANCE: instance, DATA_DIR: dataDir });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await server?.stop();
    await testRuntime(instance).removeAll();
  });

  it('creates a workshop on the instructor page and shows its links once', async () => {
    instructor = await newPage();
    await instructor.goto(`${server.url}/workshop/instructor/`);
    expect(await seriousViolations(instructor)).toEqual([]);
    const form = instructor.locator('form[data-create]');
    await form.getByLabel('Organizer key').fill(readFileSync(join(dataDir, 'organizer-key'), 'utf8').trim());
    await form.getByLabel('Title').fill('Container walls, live');
    await form.getByLabel(/Threats to containers/).check();
    await form.getByLabel('Seats').fill('3');
    await form.getByLabel('Duration').fill('1h');
    await form.getByRole('button', { name: 'Create workshop' }).click();
    const created = instructor.locator('[data-created]');
    await created.getByRole('heading', { name: 'Workshop created' }).waitFor();
    joinLink = await created.locator('[data-created-join]').innerText();
    expect(joinLink).toMatch(new RegExp(`^${server.url}/workshop/\\?code=[A-HJ-NP-Z2-9]{6}$`));
    expect(await created.locator('[data-created-instructor]').innerText()).toMatch(/#code=[A-Z0-9]{6}&secret=[A-Za-z0-9_-]{43}$/);
    await created.getByRole('button', { name: 'Open the board' }).click();
    await instructor.getByRole('heading', { level: 1, name: 'Container walls, live' }).waitFor();
    expect(instructor.url(), 'the secret leaves the address bar').not.toMatch(/secret/);
    await expect.poll(() => instructor.locator('.ws-connection').innerText()).toBe('Live');
  });

  it('seats three learners, each in their own browser', async () => {
    for (const name of ['Ada', 'Grace', 'Linus']) {
      const page = await newPage();
      await page.goto(joinLink);
      expect(await page.getByLabel('Join code').inputValue()).toBe(joinLink.slice(-6));
      await page.getByLabel('Display name').fill(name);
      await page.getByRole('button', { name: 'Join the workshop' }).click();
      await page.getByRole('heading', { name: 'You are in “Container walls, live”' }).waitFor();
      expect(await page.getByRole('link', { name: /Start with/ }).getAttribute('href')).toBe(`/lessons/${LESSON}/`);
      learners.push(page);
    }
    expect(await seriousViolations(learners[0]!)).toEqual([]);
    const late = await newPage();
    await late.goto(joinLink);
    await late.getByLabel('Display name').fill('Late');
    await late.getByRole('button', { name: 'Join the workshop' }).click();
    await expect.poll(() => late.getByRole('alert').innerText()).toMatch(/All 3 seats of “Container walls, live” are taken/);
    await expect.poll(() => instructor.locator('[data-seats]').innerText()).toBe('3 of 3 seats taken');
    expect(await instructor.locator('table.ws-board tbody tr').count()).toBe(3);
  });

  it("shows a learner's completed exercise on the board within two seconds", async () => {
    const ada = learners[0]!;
    await startLab(ada);
    const cell = instructor.locator('table.ws-board tbody tr', { has: instructor.getByRole('button', { name: 'Ada' }) }).locator('td.ws-cell').nth(0);
    expect(await cell.getAttribute('data-state')).not.toBe('done');

    // The threats lab's first exercise: leave a file where an intruder could (checked after the command, no button).
    await type(ada, 'touch /tmp/planted');
    await ada.locator('[data-criterion="plant-a-file/planted"] [data-status="pass"]').waitFor({ timeout: 15_000 });
    const passedAt = Date.now();
    await cell.and(instructor.locator('[data-state="done"]')).waitFor({ timeout: BOARD_DEADLINE_MS });
    expect(Date.now() - passedAt).toBeLessThan(BOARD_DEADLINE_MS);
    expect(await instructor.locator('table.ws-board tbody tr').last().locator('th').innerText(), 'most stuck first: Ada, with one done, last').toBe('Ada');
    expect(await seriousViolations(instructor)).toEqual([]);
  });

  it("shadows a learner's terminal read-only, and the learner is told", async () => {
    const grace = learners[1]!;
    await startLab(grace);
    await instructor.getByRole('button', { name: 'Grace' }).click();
    await expect.poll(() => instructor.getByRole('button', { name: 'Watch terminal' }).isEnabled(), { timeout: 10_000 }).toBe(true);
    await instructor.getByRole('button', { name: 'Watch terminal' }).click();
    await expect.poll(() => instructor.locator('bulkhead-workshop-shadow [role="status"]').innerText(), { timeout: 10_000 }).toMatch(/^Live: Grace is in the threats lab/);
    await expect.poll(async () => (await events(grace)).some((e) => e.type === 'watched' && e.watchers === 1)).toBe(true);

    await type(grace, 'echo typed-by-grace-$((6*7))');
    await expect.poll(() => terminalText(instructor, '.ws-shadow-screen .xterm-rows'), { timeout: 5_000 }).toMatch(/^typed-by-grace-42$/m);

    await instructor.locator('.ws-shadow-screen .xterm-helper-textarea').focus();
    await instructor.keyboard.type('echo from-the-instructor');
    await instructor.keyboard.press('Enter');
    await type(grace, 'echo after');
    await expect.poll(() => terminalText(grace)).toMatch(/^after$/m);
    expect(await terminalText(grace)).not.toContain('from-the-instructor');

    await instructor.getByRole('button', { name: 'Stop watching' }).click();
    await expect.poll(async () => (await events(grace)).some((e) => e.type === 'watched' && e.watchers === 0)).toBe(true);
  });

  it("broadcasts a message to the learners' pages", async () => {
    await instructor.getByLabel('Message to every learner').fill('Five more minutes on this exercise.');
    await instructor.getByRole('button', { name: 'Send to everyone' }).click();
    await expect.poll(() => instructor.locator('form[data-broadcast] [role="status"]').innerText()).toMatch(/^Sent to 2 open labs/);
    for (const page of learners.slice(0, 2)) {
      await expect.poll(async () => (await events(page)).some((e) => e.type === 'broadcast' && e.message === 'Five more minutes on this exercise.')).toBe(true);
    }
  });
});

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { loadLessons } from '../../lab-server/lessons.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { PROMPT, SHOWCASE_COMMAND, SHOWCASE_LESSON, SHOWCASE_OUTPUT, startLab, terminalText, typeLine } from '../helpers/lab-page.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Test artifacts go to test-results/ (gitignored): no test writes into the tree. `npm run screenshot` updates docs/. */
const ARTIFACTS = join(ROOT, 'test-results', 'e2e');
let browser: Browser;

describe('the lab terminal in a lesson page', () => {
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('starts a sandbox, shows a prompt and runs what the learner types', async () => {
    const lessons = await loadLessons(`${ROOT}content`);
    const lesson = lessons.find((l) => l.slug === SHOWCASE_LESSON) ?? lessons.find((l) => l.lab);
    expect(lesson, 'a lesson with a lab').toBeDefined();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await startLab(page, inject('baseUrl'), lesson!.slug);
    await expect.poll(() => terminalText(page), { timeout: 20_000 }).toMatch(PROMPT);
    await typeLine(page, SHOWCASE_COMMAND);
    // The output line (not the echoed command) proves the shell ran it.
    await expect.poll(() => terminalText(page), { timeout: 10_000 }).toMatch(SHOWCASE_OUTPUT);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'terminal.png') });
    await page.close();
  });
});

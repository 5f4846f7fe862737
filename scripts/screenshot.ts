/**
 * `npm run screenshot`: regenerates docs/screenshot.png (the README's picture of a lab) on purpose, the
 * only thing that writes it; tests keep their pictures in test-results/. Builds the site, starts a
 * lab-server of its own (own instance label, temporary data folder), runs one command in the
 * capabilities lab in headless Chromium and captures the page. Needs the lab images (`npm run images`).
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser } from '../test/helpers/browser.ts';
import { testRuntime } from '../test/helpers/docker.ts';
import { PROMPT, SHOWCASE_COMMAND, SHOWCASE_LESSON, SHOWCASE_OUTPUT, startLab, terminalText, typeLine } from '../test/helpers/lab-page.ts';
import { startServerProcess } from '../test/helpers/lab-server-process.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT = join(ROOT, 'docs', 'screenshot.png');
const VIEWPORT = { width: 1280, height: 800 };
const PROMPT_TIMEOUT_MS = 20_000;
const OUTPUT_TIMEOUT_MS = 10_000;
const POLL_MS = 200;

async function waitForText(read: () => Promise<string>, pattern: RegExp, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = await read();
    if (pattern.test(text)) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(`The terminal did not show ${what} within ${timeoutMs} ms; it showed:\n${text}`);
}

const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
if (build.status !== 0) {
  console.error('`npm run build` failed; fix the error above and run `npm run screenshot` again.');
  process.exit(1);
}
const instance = `screenshot-${randomBytes(4).toString('hex')}`;
const dataDir = mkdtempSync(join(tmpdir(), 'bulkhead-screenshot-'));
const server = await startServerProcess({ BULKHEAD_INSTANCE: instance, DATA_DIR: dataDir });
const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: VIEWPORT });
  await startLab(page, server.url, SHOWCASE_LESSON);
  await waitForText(() => terminalText(page), PROMPT, PROMPT_TIMEOUT_MS, 'a prompt');
  await typeLine(page, SHOWCASE_COMMAND);
  await waitForText(() => terminalText(page), SHOWCASE_OUTPUT, OUTPUT_TIMEOUT_MS, 'the command output');
  await page.screenshot({ path: OUT });
  console.log(`Wrote ${OUT}`);
} finally {
  await browser.close();
  await server.stop();
  await testRuntime(instance).removeAll();
  rmSync(dataDir, { recursive: true, force: true });
}

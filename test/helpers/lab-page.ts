/** Browser steps on a lesson page's lab pane, shared by the e2e terminal test and `npm run screenshot`. */
import type { Page } from 'playwright-core';

/** The lesson the terminal e2e test and the README screenshot show: capabilities, else any with a lab. */
export const SHOWCASE_LESSON = 'capabilities';
/** What is typed in the terminal, and the output line that proves the shell ran it (not its echo). */
export const SHOWCASE_COMMAND = 'echo hello-$((6*7))';
export const SHOWCASE_OUTPUT = /^hello-42$/m;
export const PROMPT = /learner@lab[^\n]*\$/;

export function terminalText(page: Page): Promise<string> {
  return page.locator('bulkhead-lab .xterm-rows').innerText();
}

/** Opens the lesson, presses Start lab and waits for the terminal to appear (not yet for the prompt). */
export async function startLab(page: Page, baseUrl: string, slug: string): Promise<void> {
  await page.goto(`${baseUrl}/lessons/${slug}/`);
  await page.getByRole('button', { name: 'Start lab' }).click();
  await page.locator('bulkhead-lab .xterm-rows').waitFor();
}

/** Types a line into the lab terminal and presses Enter. */
export async function typeLine(page: Page, line: string): Promise<void> {
  await page.locator('bulkhead-lab .xterm-helper-textarea').focus();
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

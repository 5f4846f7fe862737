/**
 * Echo round trip: type one character, time until it comes back in the output, then the next. Bash's
 * readline echoes each key as it is typed, so this is what a learner feels on every keystroke. The
 * characters never occur in the prompt, and the line is cleared (Ctrl-U, untimed) before it can wrap.
 */
import { chunkHas, waitForQuiet, type BenchTerminal } from '../drivers/terminal.ts';

const ECHO_CHARS = 'qwxyzvjk';
/** Keys typed on one line before it is cleared: 15 prompt columns plus this stay under 100 columns. */
export const KEYS_PER_LINE = 60;
const KEY_TIMEOUT_MS = 5_000;
/** Output silence that ends a line redraw after Ctrl-U. */
const REDRAW_QUIET_MS = 40;
export const WARMUP_KEYS = 20;

/** The i-th key of a typing sequence. */
export function echoChar(i: number): string {
  return ECHO_CHARS[i % ECHO_CHARS.length] as string;
}

/** Milliseconds from sending `char` to the first output chunk containing it. */
export function keystroke(term: BenchTerminal, char: string, timeoutMs = KEY_TIMEOUT_MS): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`${term.system}: key ${JSON.stringify(char)} did not echo within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = term.onOutput((chunk) => {
      if (!chunkHas(chunk, char)) return;
      const ms = performance.now() - sent;
      clearTimeout(timer);
      off();
      resolve(ms);
    });
    const sent = performance.now();
    term.send(char);
  });
}

export async function clearLine(term: BenchTerminal): Promise<void> {
  term.send('\u0015');
  await waitForQuiet(term, REDRAW_QUIET_MS);
}

/** Types into one terminal key by key, clearing the line (untimed) before it would wrap. */
export class EchoTyper {
  readonly term: BenchTerminal;
  private typed = 0;

  constructor(term: BenchTerminal) {
    this.term = term;
  }

  /** The next key's round trip in milliseconds. */
  async next(): Promise<number> {
    if (this.typed > 0 && this.typed % KEYS_PER_LINE === 0) await clearLine(this.term);
    return keystroke(this.term, echoChar(this.typed++));
  }

  finish(): Promise<void> {
    return clearLine(this.term);
  }
}

/** Echo RTTs of `count` single keystrokes, after `warmup` untimed ones; the terminal sits at its prompt. */
export async function echoRtts(term: BenchTerminal, count: number, warmup = WARMUP_KEYS): Promise<number[]> {
  const typer = new EchoTyper(term);
  const samples: number[] = [];
  for (let i = 0; i < warmup + count; i++) {
    const ms = await typer.next();
    if (i >= warmup) samples.push(ms);
  }
  await typer.finish();
  return samples;
}

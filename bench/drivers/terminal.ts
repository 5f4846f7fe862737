/**
 * What every measured system looks like to a measurement: send keystrokes, observe output chunks.
 * Output arrives as bytes (ours, the floor) or as already-decoded strings (WeTTY's socket.io events);
 * the helpers below accept both without converting whole chunks, so no system pays for the others' format.
 * Everything the bench matches is ASCII, where one character is one byte.
 */
export const SYSTEMS = ['ours', 'wetty', 'floor'] as const;
export type System = (typeof SYSTEMS)[number];
export type Chunk = string | Uint8Array;

export interface BenchTerminal {
  readonly system: System;
  /** Keystrokes, as a browser would send them. */
  send(text: string): void;
  /** Called with every output chunk as it arrives; returns an unsubscribe function. */
  onOutput(listener: (chunk: Chunk) => void): () => void;
  close(): Promise<void>;
}

/** Terminal size every system is given. */
export const COLS = 100;
export const ROWS = 30;
/** The shell image's prompt (lab-images/shell/bash.bashrc), colours and all, at the end of the output. */
export const PROMPT = /learner@lab[^\n]*\$ $/;
const TEXT_TAIL_CHARS = 8_192;

export function chunkLength(chunk: Chunk): number {
  return chunk.length;
}

/** Whether a chunk contains one ASCII character. */
export function chunkHas(chunk: Chunk, char: string): boolean {
  return typeof chunk === 'string' ? chunk.includes(char) : chunk.includes(char.charCodeAt(0));
}

function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** The last `chars` characters of a chunk as text (bytes read as latin1, which is exact for ASCII). */
function tailText(chunk: Chunk, chars: number): string {
  if (typeof chunk === 'string') return chunk.slice(-chars);
  const bytes = asBuffer(chunk);
  return bytes.subarray(Math.max(0, bytes.length - chars)).toString('latin1');
}

function headText(chunk: Chunk, chars: number): string {
  return typeof chunk === 'string' ? chunk.slice(0, chars) : asBuffer(chunk).subarray(0, chars).toString('latin1');
}

/** Finds a needle in a stream of chunks, also when it is split across two of them. */
export class StreamMatcher {
  private readonly needle: string;
  private tail = '';

  constructor(needle: string) {
    this.needle = needle;
  }

  push(chunk: Chunk): boolean {
    const keep = this.needle.length - 1;
    const found = (typeof chunk === 'string' ? chunk.includes(this.needle) : asBuffer(chunk).includes(this.needle, 0, 'latin1'))
      || (keep > 0 && (this.tail + headText(chunk, keep)).includes(this.needle));
    this.tail = (this.tail + tailText(chunk, keep)).slice(-keep);
    return found;
  }
}

/** Resolves once the recent output (last 8 KiB) matches `pattern`. */
export function waitForText(term: BenchTerminal, pattern: RegExp, timeoutMs: number, what = String(pattern)): Promise<void> {
  let text = '';
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`${term.system}: no ${what} within ${timeoutMs} ms; output tail ${JSON.stringify(text.slice(-300))}`));
    }, timeoutMs);
    const off = term.onOutput((chunk) => {
      text = (text + tailText(chunk, TEXT_TAIL_CHARS)).slice(-TEXT_TAIL_CHARS);
      if (!pattern.test(text)) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}

/** Resolves once no output arrived for `quietMs` (after a redraw whose exact bytes do not matter). */
export function waitForQuiet(term: BenchTerminal, quietMs: number, timeoutMs = 10_000): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(() => {
      off();
      clearTimeout(quiet);
      reject(new Error(`${term.system}: output did not stop within ${timeoutMs} ms`));
    }, timeoutMs);
    let quiet = setTimeout(done, quietMs);
    const off = term.onOutput(() => {
      clearTimeout(quiet);
      quiet = setTimeout(done, quietMs);
    });
    function done(): void {
      clearTimeout(deadline);
      off();
      resolve();
    }
  });
}

/** A listener set shared by the drivers. */
export class OutputListeners {
  private readonly listeners = new Set<(chunk: Chunk) => void>();

  add(listener: (chunk: Chunk) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(chunk: Chunk): void {
    for (const listener of this.listeners) listener(chunk);
  }
}

/**
 * Output throughput: the sandbox prints ~50 MB of base64 (76-column lines, as `base64` writes them) and a
 * sentinel; the clock runs from sending the command to the sentinel's arrival. MB are 10^6 bytes, counted
 * as received by the client (the tty's \r\n included), so every system is credited for what it delivered.
 */
import { StreamMatcher, waitForQuiet, type BenchTerminal } from '../drivers/terminal.ts';

export const OUTPUT_BYTES = 50_000_000;
/** Computed by the shell, so the command's own echo never contains it. */
const SENTINEL = 'BENCH_42_DONE';
const TRANSFER_TIMEOUT_MS = 240_000;

export interface Transfer {
  bytes: number;
  seconds: number;
  mbPerS: number;
}

export function floodCommand(outputBytes: number): string {
  return `head -c ${Math.round((outputBytes * 3) / 4)} /dev/zero | base64; echo BENCH_$((6*7))_DONE\r`;
}

/** Sends the flood command and resolves when the sentinel arrived; `onChunk` sees each chunk's size. */
export function transfer(term: BenchTerminal, outputBytes: number, onChunk?: (bytes: number) => void): Promise<Transfer> {
  const matcher = new StreamMatcher(SENTINEL);
  let bytes = 0;
  return new Promise<Transfer>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`${term.system}: sentinel not seen within ${TRANSFER_TIMEOUT_MS} ms (${bytes} bytes received)`));
    }, TRANSFER_TIMEOUT_MS);
    const off = term.onOutput((chunk) => {
      bytes += chunk.length;
      onChunk?.(chunk.length);
      if (!matcher.push(chunk)) return;
      const seconds = (performance.now() - sent) / 1000;
      clearTimeout(timer);
      off();
      resolve({ bytes, seconds, mbPerS: bytes / 1e6 / seconds });
    });
    const sent = performance.now();
    term.send(floodCommand(outputBytes));
  });
}

/** Output silence after the sentinel: the prompt has been drawn (not matched, to keep the timed loop lean). */
const SETTLE_QUIET_MS = 200;

/** One timed transfer, then back at a quiet prompt for whatever comes next. */
export async function throughputRun(term: BenchTerminal, outputBytes = OUTPUT_BYTES): Promise<Transfer> {
  const result = await transfer(term, outputBytes);
  await waitForQuiet(term, SETTLE_QUIET_MS);
  return result;
}

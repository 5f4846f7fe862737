/**
 * The floor: `docker exec -it CONTAINER bash -l` on a local pty, no web layer at all. node-pty (from the
 * WeTTY scratch folder) when it loads, handing over raw bytes; otherwise util-linux `script`, which adds
 * one relay process of its own.
 */
import { spawn } from 'node:child_process';
import { onCleanup } from '../lib/cleanup.ts';
import { scratchRequire } from './wetty.ts';
import { COLS, OutputListeners, ROWS, type BenchTerminal, type Chunk } from './terminal.ts';

/** The part of node-pty's IPty the bench uses (with `encoding: null`, data is a Buffer). */
interface Pty {
  onData(listener: (data: Buffer) => void): void;
  onExit(listener: () => void): void;
  write(data: string): void;
  kill(): void;
}
type PtySpawn = (file: string, args: string[], options: Record<string, unknown>) => Pty;

export class FloorTerminal implements BenchTerminal {
  readonly system = 'floor';
  /** `node-pty` or `script`: how the pty was made. */
  readonly via: string;
  readonly send: (text: string) => void;
  private readonly output = new OutputListeners();
  private readonly stop: () => Promise<void>;

  private constructor(via: string, send: (text: string) => void, stop: (exited: Promise<void>) => Promise<void>, exited: Promise<void>) {
    this.via = via;
    this.send = send;
    this.stop = onCleanup(`floor pty (${via})`, () => stop(exited));
  }

  static open(container: string, preferNodePty: boolean): FloorTerminal {
    const args = ['exec', '-it', container, 'bash', '-l'];
    let ptySpawn: PtySpawn | undefined;
    if (preferNodePty) {
      try {
        ptySpawn = scratchRequire<{ spawn: PtySpawn }>('node-pty').spawn;
      } catch {
        ptySpawn = undefined;
      }
    }
    if (ptySpawn) {
      const pty = ptySpawn('docker', args, { name: 'xterm-256color', cols: COLS, rows: ROWS, env: process.env, encoding: null });
      const exited = new Promise<void>((resolve) => pty.onExit(() => resolve()));
      const terminal = new FloorTerminal('node-pty', (text) => pty.write(text), async (done) => {
        pty.kill();
        await done;
      }, exited);
      pty.onData((data) => terminal.output.emit(data));
      return terminal;
    }
    const child = spawn('script', ['-qfec', `stty cols ${COLS} rows ${ROWS}; docker ${args.join(' ')}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'ignore'] });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const terminal = new FloorTerminal('script', (text) => child.stdin.write(text), async (done) => {
      child.kill('SIGTERM');
      await done;
    }, exited);
    child.stdout.on('data', (data: Buffer) => terminal.output.emit(data));
    return terminal;
  }

  onOutput(listener: (chunk: Chunk) => void): () => void {
    return this.output.add(listener);
  }

  close(): Promise<void> {
    return this.stop();
  }
}

/**
 * Bulkhead's own terminal, driven like the browser does it: a ticket over HTTP with a fresh learner
 * cookie, the WebSocket with an allowed Origin, then hello. Lighter than test/helpers/terminal-client.ts:
 * it never concatenates the output it received, which would dominate a 50 MB transfer.
 */
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import {
  OP_INPUT, OP_OUTPUT, PROTOCOL_VERSION, decodeBinary, encodeData, parseServerControl, type ServerControl,
} from '../../src/lib/protocol.ts';
import { requestTicket } from '../../test/helpers/terminal-client.ts';
import { COLS, OutputListeners, ROWS, type BenchTerminal, type Chunk } from './terminal.ts';

type Ready = Extract<ServerControl, { type: 'ready' }>;

export class OursTerminal implements BenchTerminal {
  readonly system = 'ours';
  readonly ws: WebSocket;
  private readonly output = new OutputListeners();
  private readonly controls: ServerControl[] = [];
  private readonly controlWaiters = new Set<() => void>();

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) {
        const frame = decodeBinary(data);
        if (frame.op === OP_OUTPUT) this.output.emit(frame.data);
        return;
      }
      this.controls.push(parseServerControl(data.toString('utf8')));
      for (const waiter of this.controlWaiters) waiter();
    });
    ws.on('close', () => {
      for (const waiter of this.controlWaiters) waiter();
    });
  }

  /** A new learner's WebSocket, open and authenticated, before hello (so hello can be timed alone). */
  static async open(base: string, lab = 'demo'): Promise<OursTerminal> {
    const ticket = await requestTicket(base, lab);
    if (!ticket.ticket || !ticket.cookie) throw new Error(`ours: no ticket (${ticket.status}): ${ticket.error}`);
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/ws?ticket=${encodeURIComponent(ticket.ticket)}`, {
      headers: { Cookie: ticket.cookie, Origin: base }, perMessageDeflate: false,
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new OursTerminal(ws);
  }

  /** Opens and says hello: a terminal that is starting. */
  static async connect(base: string, lab = 'demo'): Promise<OursTerminal> {
    const terminal = await OursTerminal.open(base, lab);
    terminal.hello();
    return terminal;
  }

  hello(): void {
    this.ws.send(JSON.stringify({ type: 'hello', v: PROTOCOL_VERSION, cols: COLS, rows: ROWS }));
  }

  /** The ready message; rejects on an error message or a closed socket, naming them. */
  ready(timeoutMs = 30_000): Promise<Ready> {
    return new Promise<Ready>((resolve, reject) => {
      const check = () => {
        const ready = this.controls.find((m): m is Ready => m.type === 'ready');
        const error = this.controls.find((m) => m.type === 'error');
        if (!ready && !error && this.ws.readyState === WebSocket.OPEN) return;
        clearTimeout(timer);
        this.controlWaiters.delete(check);
        if (ready) resolve(ready);
        else reject(new Error(`ours: no ready message: ${JSON.stringify(error ?? 'socket closed')}`));
      };
      const timer = setTimeout(() => {
        this.controlWaiters.delete(check);
        reject(new Error(`ours: no ready message within ${timeoutMs} ms`));
      }, timeoutMs);
      this.controlWaiters.add(check);
      check();
    });
  }

  send(text: string): void {
    this.ws.send(encodeData(OP_INPUT, Buffer.from(text)));
  }

  onOutput(listener: (chunk: Chunk) => void): () => void {
    return this.output.add(listener);
  }

  /** The TCP socket under the WebSocket: pausing it makes this client a slow reader. */
  get socket(): Socket {
    return (this.ws as unknown as { _socket: Socket })._socket;
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => this.ws.once('close', () => resolve()));
    this.ws.close();
    await closed;
  }
}

/**
 * A terminal client for tests and benchmarks: the same steps as the browser (ticket with the learner
 * cookie, WebSocket with Origin, hello), speaking the protocol module, over the real network stack.
 */
import WebSocket from 'ws';
import {
  OP_INPUT, OP_OUTPUT, PROTOCOL_VERSION, decodeBinary, encodeData, encodeResize, parseServerControl, type ServerControl,
} from '../../src/lib/protocol.ts';

export interface ClientOptions {
  base: string;
  lab: string;
  /** Reuse a learner cookie (another tab of the same learner); a new learner when absent. */
  cookie?: string;
  origin?: string;
  resume?: { session: string; offset: number };
  cols?: number;
  rows?: number;
}

export async function requestTicket(base: string, lab: string, cookie?: string, origin = base): Promise<{ status: number; ticket?: string; cookie?: string; error?: string }> {
  const response = await fetch(`${base}/api/tickets`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Origin: origin, ...(cookie ? { Cookie: cookie } : {}) }, body: JSON.stringify({ lab }),
  });
  const body = (await response.json()) as { ticket?: string; error?: string };
  const setCookie = response.headers.get('set-cookie')?.split(';')[0];
  return { status: response.status, ticket: body.ticket, error: body.error, cookie: setCookie ?? cookie };
}

export class TerminalClient {
  readonly ws: WebSocket;
  readonly cookie: string;
  readonly controls: ServerControl[] = [];
  private chunks: Buffer[] = [];
  /** Output offset of the first byte in `chunks` (from the ready message). */
  startOffset = 0;
  private waiters: Array<() => void> = [];
  closed?: { code: number; reason: string };

  private constructor(ws: WebSocket, cookie: string) {
    this.ws = ws;
    this.cookie = cookie;
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) {
        const frame = decodeBinary(new Uint8Array(data));
        if (frame.op === OP_OUTPUT) this.chunks.push(Buffer.from(frame.data));
      } else {
        const message = parseServerControl(data.toString('utf8'));
        if (message.type === 'ready' && this.controls.every((m) => m.type !== 'ready')) this.startOffset = message.offset;
        this.controls.push(message);
      }
      this.notify();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.notify();
    });
  }

  static async connect(options: ClientOptions): Promise<TerminalClient> {
    const ticket = await requestTicket(options.base, options.lab, options.cookie, options.origin);
    if (!ticket.ticket || !ticket.cookie) throw new Error(`no ticket (${ticket.status}): ${ticket.error}`);
    const url = `${options.base.replace(/^http/, 'ws')}/ws?ticket=${encodeURIComponent(ticket.ticket)}`;
    const ws = new WebSocket(url, { headers: { Cookie: ticket.cookie, Origin: options.origin ?? options.base }, perMessageDeflate: false });
    const client = new TerminalClient(ws, ticket.cookie);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'hello', v: PROTOCOL_VERSION, cols: options.cols ?? 100, rows: options.rows ?? 30, ...(options.resume ? { resume: options.resume } : {}) }));
    return client;
  }

  private notify(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Everything received so far, decoded as UTF-8. */
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** Offset just past the last byte received. */
  get offset(): number {
    return this.startOffset + this.chunks.reduce((n, c) => n + c.length, 0);
  }

  async until(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; controls=${JSON.stringify(this.controls)} text tail=${JSON.stringify(this.text().slice(-300))}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  waitForText(pattern: RegExp, timeoutMs?: number): Promise<void> {
    return this.until(() => pattern.test(this.text()), `output ${pattern}`, timeoutMs);
  }

  async waitForControl<T extends ServerControl['type']>(type: T, timeoutMs?: number): Promise<Extract<ServerControl, { type: T }>> {
    await this.until(() => this.controls.some((m) => m.type === type), `a ${type} message`, timeoutMs);
    return this.controls.find((m) => m.type === type) as Extract<ServerControl, { type: T }>;
  }

  async ready(timeoutMs?: number): Promise<Extract<ServerControl, { type: 'ready' }>> {
    return this.waitForControl('ready', timeoutMs);
  }

  /** Waits for the shell prompt. */
  prompt(timeoutMs?: number): Promise<void> {
    return this.waitForText(/learner@lab[^\n]*\$ $/, timeoutMs);
  }

  type(text: string): void {
    this.ws.send(encodeData(OP_INPUT, Buffer.from(text)));
  }

  resize(cols: number, rows: number): void {
    this.ws.send(encodeResize(cols, rows));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const done = new Promise<void>((resolve) => this.ws.once('close', () => resolve()));
    this.ws.close();
    await done;
  }
}

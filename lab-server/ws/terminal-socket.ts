/**
 * The WebSocket transport: authenticates the upgrade, speaks the protocol, and hands bytes to a session.
 * It knows nothing of Docker. Flow control: while the socket's send buffer is above the high-water mark
 * the session's output source is paused, and resumed below the low-water mark.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import {
  MAX_FRAME_BYTES, OP_INPUT, OP_OUTPUT, OP_RESIZE, ProtocolError, TERMINAL_ERROR_CODES, decodeBinary, encodeData, parseClientControl,
  type ClientAnswer, type ClientCheck, type ClientHello, type ServerControl,
} from '../../src/lib/protocol.ts';
import { LabError } from '../errors.ts';
import { learnerOf } from '../http/cookies.ts';
import { isAllowedOrigin } from '../http/origin.ts';
import { refuseUpgrade } from '../http/router.ts';
import type { Metrics } from '../ops/metrics.ts';
import { Heartbeat } from './upgrade.ts';
import type { Ticket, TicketBook } from './tickets.ts';

export const WS_PATH = '/ws';
const HEARTBEAT_INTERVAL_MS = 15_000;
const HELLO_TIMEOUT_MS = 10_000;

/** What the transport asks of the session layer once a client said hello. */
export interface TerminalHandler {
  attach(ticket: Ticket, hello: ClientHello, peer: TerminalPeer): Promise<TerminalSink>;
}

export interface TerminalSink {
  input(data: Uint8Array): void;
  resize(cols: number, rows: number): void;
  /** This tab asks to be the one that types. */
  takeover(): void;
  /** A check request or an answer from the page. */
  request(message: ClientCheck | ClientAnswer): void;
  /** The browser went away; the session decides what that means. */
  detach(): void;
}

export interface TerminalPeer {
  output(data: Uint8Array): void;
  control(message: ServerControl): void;
  close(reason: string): void;
  /** Bytes queued on the socket and not yet sent: the flow-control signal. */
  backlog(): number;
}

export class TerminalSocketServer {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES + 1, perMessageDeflate: false, clientTracking: true });
  private readonly tickets: TicketBook;
  private readonly origins: readonly string[];
  private readonly handler: TerminalHandler;
  private readonly heartbeat: Heartbeat;
  private readonly metrics?: Metrics;

  constructor(options: { tickets: TicketBook; allowedOrigins: readonly string[]; handler: TerminalHandler; metrics?: Metrics }) {
    this.tickets = options.tickets;
    this.origins = options.allowedOrigins;
    this.handler = options.handler;
    this.metrics = options.metrics;
    this.heartbeat = new Heartbeat(this.wss, HEARTBEAT_INTERVAL_MS);
  }

  /** The router's upgrade handler for WS_PATH. */
  readonly handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, { url }: { url: URL }): void => {
    if (!isAllowedOrigin(req, this.origins)) return void refuseUpgrade(socket, 403, 'Forbidden');
    const ticket = this.tickets.redeem(url.searchParams.get('ticket') ?? '', learnerOf(req));
    if (!ticket) return void refuseUpgrade(socket, 401, 'Unauthorized');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.serve(ws, ticket));
  };

  private serve(ws: WebSocket, ticket: Ticket): void {
    this.heartbeat.track(ws);
    let sink: TerminalSink | undefined;
    let attaching = false;
    const metrics = this.metrics;
    metrics?.connectionOpened();
    const peer: TerminalPeer = {
      output: (data) => {
        if (ws.readyState !== ws.OPEN) return void metrics?.frameDropped();
        ws.send(encodeData(OP_OUTPUT, data));
        metrics?.bytesToBrowser(data.length);
      },
      control: (message) => { if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message)); },
      close: (reason) => { if (ws.readyState === ws.OPEN) ws.close(1000, reason.slice(0, 120)); },
      backlog: () => ws.bufferedAmount,
    };
    const fail = (error: unknown) => {
      // Only errors written for the learner go out as they are; anything else is INTERNAL, without details.
      const known = (error instanceof LabError || error instanceof ProtocolError) && TERMINAL_ERROR_CODES.has(error.code);
      if (!known) return peer.control({ type: 'error', code: 'INTERNAL', message: 'Something went wrong on the lab-server; restart the lab.' });
      const retryAfterMs = error instanceof LabError ? error.retryAfterMs : undefined;
      peer.control({ type: 'error', code: error.code, message: error.message, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
    };
    const helloTimer = setTimeout(() => { if (!sink && !attaching) ws.close(4000, 'no hello'); }, HELLO_TIMEOUT_MS);
    ws.on('message', (raw: RawData, isBinary: boolean) => {
      try {
        const bytes = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
        if (!isBinary) {
          const message = parseClientControl(bytes.toString('utf8'));
          if (message.type !== 'hello') {
            if (!sink) throw new ProtocolError('NOT_READY', 'the terminal is not ready yet');
            return message.type === 'takeover' ? sink.takeover() : sink.request(message);
          }
          if (sink || attaching) throw new ProtocolError('BAD_MESSAGE', 'hello was already received');
          const hello = message;
          attaching = true;
          clearTimeout(helloTimer);
          this.handler.attach(ticket, hello, peer).then((s) => {
            if (ws.readyState !== ws.OPEN) return s.detach();
            sink = s;
          }, (error: unknown) => {
            fail(error);
            ws.close(4001, 'could not start');
          });
          return;
        }
        const frame = decodeBinary(bytes);
        if (!sink) throw new ProtocolError('NOT_READY', 'the terminal is not ready yet');
        if (frame.op === OP_INPUT) {
          sink.input(frame.data);
          metrics?.bytesFromBrowser(frame.data.length);
        }
        else if (frame.op === OP_RESIZE) sink.resize(frame.cols, frame.rows);
        else throw new ProtocolError('BAD_FRAME', 'clients do not send output frames');
      } catch (error) {
        fail(error);
      }
    });
    ws.on('close', () => {
      metrics?.connectionClosed();
      clearTimeout(helloTimer);
      sink?.detach();
    });
    ws.on('error', () => ws.terminate());
  }

  close(): void {
    this.heartbeat.stop();
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}

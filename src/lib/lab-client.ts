/**
 * The browser side of the terminal protocol: ticket over HTTP, then the WebSocket. Reconnects by itself
 * after a dropped connection and resumes from the last byte it has, so output is neither lost nor
 * repeated. Pure Web APIs, no xterm here.
 */
import {
  MAX_FRAME_BYTES, OP_INPUT, OP_OUTPUT, PROTOCOL_VERSION, decodeBinary, encodeData, encodeResize, parseServerControl,
  type ServerControl,
} from './protocol.ts';

export type LabState = 'idle' | 'connecting' | 'ready' | 'reconnecting' | 'expired' | 'unavailable' | 'ended';

export interface LabConnection {
  input(text: string): void;
  resize(cols: number, rows: number): void;
  /** Ask to be the tab that types. */
  takeover(): void;
  /** Run the checks now (all exercises, or one). */
  check(exercise?: string): void;
  answer(exercise: string, criterion: string, value: string): void;
  close(): void;
}

export interface LabInfo {
  session: string;
  expiresAt: number;
  role: 'typist' | 'viewer';
}

export interface LabConnectionOptions {
  lab: string;
  size: { cols: number; rows: number };
  onOutput(bytes: Uint8Array): void;
  onState(state: LabState, message?: string): void;
  onInfo?(info: LabInfo): void;
  /** Check results, instructor broadcasts, shadowing notices and the server's drain notice, as they arrive. */
  onMessage?(message: Extract<ServerControl, { type: 'checks' | 'broadcast' | 'watched' | 'draining' }>): void;
  /** Base URL of lab-server; the page's own origin by default. */
  base?: string;
}

const encoder = new TextEncoder();
const RECONNECT_DELAYS_MS = [500, 1_000, 2_000, 4_000, 8_000];

async function requestTicket(base: string, lab: string): Promise<{ ticket?: string; error?: string; retry?: boolean }> {
  let response: Response;
  try {
    response = await fetch(new URL('/api/tickets', base), {
      method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ lab }),
    });
  } catch {
    return { error: 'No lab-server answers. The lessons stay readable; to use the terminal, run `npm start` and open the URL it prints.', retry: true };
  }
  const body = (await response.json().catch(() => ({}))) as { ticket?: string; error?: string };
  if (response.ok && body.ticket) return { ticket: body.ticket };
  if ((response.status === 404 || response.status === 405) && !body.error) {
    return { error: 'This copy of the site runs without a lab-server, so the terminal is off. Run `npm start` to use it.' };
  }
  return { error: body.error ?? `The lab-server answered ${response.status}.` };
}

export function connectLab(options: LabConnectionOptions): LabConnection {
  const base = options.base ?? window.location.origin;
  let socket: WebSocket | undefined;
  let closed = false;
  let size = options.size;
  let session: string | undefined;
  let offset = 0;
  let attempt = 0;
  let ready = false;

  const send = (frame: Uint8Array<ArrayBuffer> | string) => {
    if (socket?.readyState === WebSocket.OPEN) socket.send(frame);
  };

  async function open(): Promise<void> {
    const { ticket, error, retry } = await requestTicket(base, options.lab);
    if (closed) return;
    if (!ticket) {
      if (retry && session) return scheduleReconnect();
      return options.onState('unavailable', error);
    }
    const url = new URL(`/ws?ticket=${encodeURIComponent(ticket)}`, base);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url);
    socket = ws;
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => ws.send(JSON.stringify({
      type: 'hello', v: PROTOCOL_VERSION, cols: size.cols, rows: size.rows, ...(session ? { resume: { session, offset } } : {}),
    }));
    ws.onmessage = (event: MessageEvent<ArrayBuffer | string>) => {
      if (typeof event.data === 'string') return handleControl(parseServerControl(event.data));
      const frame = decodeBinary(new Uint8Array(event.data));
      if (frame.op !== OP_OUTPUT) return;
      offset += frame.data.length;
      options.onOutput(frame.data);
    };
    ws.onclose = (event) => {
      if (closed || socket !== ws) return;
      if (ready && event.code !== 1000 && event.code !== 4001) return scheduleReconnect();
      if (!ready && event.code === 4001) return; // the error message already said why
      closed = true;
      options.onState('ended', event.reason || 'The connection to your sandbox closed. Restart the lab to get a fresh one.');
    };
  }

  function scheduleReconnect(): void {
    ready = false;
    if (attempt >= RECONNECT_DELAYS_MS.length) {
      closed = true;
      return options.onState('ended', 'Lost the connection to the lab-server. Restart the lab when it is back.');
    }
    options.onState('reconnecting');
    setTimeout(() => void open(), RECONNECT_DELAYS_MS[attempt++]);
  }

  function handleControl(message: ServerControl): void {
    switch (message.type) {
      case 'checks':
      case 'broadcast':
      case 'watched':
        return options.onMessage?.(message);
      case 'ready':
        // A fresh attach replays from the oldest byte the server holds; anything we hold past that would repeat.
        if (message.session !== session || message.offset !== offset) offset = message.offset;
        session = message.session;
        ready = true;
        attempt = 0;
        options.onInfo?.({ session: message.session, expiresAt: message.expiresAt, role: message.role });
        return options.onState('ready', message.role === 'viewer' ? 'Watching: another tab is typing.' : undefined);
      case 'role':
        if (session) options.onInfo?.({ session, expiresAt: 0, role: message.role });
        return options.onState('ready', message.role === 'viewer' ? 'Watching: another tab is typing.' : undefined);
      case 'progress':
        return options.onState('connecting', message.message);
      case 'expiring':
        return options.onState('ready', `Your lab ends at ${new Date(message.expiresAt).toLocaleTimeString()}.`);
      case 'draining':
        options.onMessage?.(message);
        return options.onState('ready', message.message);
      case 'expired':
        closed = true;
        return options.onState('expired', message.message);
      case 'exit':
        closed = true;
        return options.onState('ended', message.message);
      case 'error':
        if (message.code === 'ENGINE_UNAVAILABLE' || message.code === 'LIMIT_REACHED' || message.code === 'RATE_LIMITED' || message.code === 'DRAINING') {
          closed = true;
          return options.onState('unavailable', message.message);
        }
        if (message.code === 'SANDBOX_FAILED') {
          closed = true;
          return options.onState('ended', message.message);
        }
        return undefined; // a rejected frame; the session goes on
    }
  }

  void open();

  return {
    input(text) {
      const bytes = encoder.encode(text);
      for (let i = 0; i < bytes.length; i += MAX_FRAME_BYTES) send(encodeData(OP_INPUT, bytes.subarray(i, i + MAX_FRAME_BYTES)));
    },
    resize(cols, rows) {
      size = { cols, rows };
      send(encodeResize(cols, rows));
    },
    takeover() {
      send(JSON.stringify({ type: 'takeover' }));
    },
    check(exercise) {
      send(JSON.stringify(exercise ? { type: 'check', exercise } : { type: 'check' }));
    },
    answer(exercise, criterion, value) {
      send(JSON.stringify({ type: 'answer', exercise, criterion, value }));
    },
    close() {
      closed = true;
      socket?.close(1000, 'closed by page');
    },
  };
}

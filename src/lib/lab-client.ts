/**
 * The browser side of the terminal protocol: ticket over HTTP, then the WebSocket. Pure DOM/Web APIs, no
 * xterm here, so it is usable from tests and tools too.
 */
import {
  MAX_FRAME_BYTES, OP_INPUT, OP_OUTPUT, PROTOCOL_VERSION, decodeBinary, encodeData, encodeResize, parseServerControl,
  type ServerControl,
} from './protocol.ts';

export type LabState = 'idle' | 'connecting' | 'ready' | 'reconnecting' | 'expired' | 'unavailable' | 'ended';

export interface LabConnection {
  input(text: string): void;
  resize(cols: number, rows: number): void;
  close(): void;
}

export interface LabConnectionOptions {
  lab: string;
  size: { cols: number; rows: number };
  onOutput(bytes: Uint8Array): void;
  onState(state: LabState, message?: string): void;
  /** Base URL of lab-server; the page's own origin by default. */
  base?: string;
}

const encoder = new TextEncoder();

async function requestTicket(base: string, lab: string): Promise<{ ticket?: string; error?: string }> {
  let response: Response;
  try {
    response = await fetch(new URL('/api/tickets', base), {
      method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ lab }),
    });
  } catch {
    return { error: 'No lab-server answers. The lessons stay readable; to use the terminal, run `npm start` and open the URL it prints.' };
  }
  const body = (await response.json().catch(() => ({}))) as { ticket?: string; error?: string };
  if (response.ok && body.ticket) return { ticket: body.ticket };
  if (response.status === 404 && !body.error) return { error: 'This site is served without a lab-server, so labs are off. Run `npm start` to use the terminal.' };
  return { error: body.error ?? `The lab-server answered ${response.status}.` };
}

export function connectLab(options: LabConnectionOptions): LabConnection {
  const base = options.base ?? window.location.origin;
  let socket: WebSocket | undefined;
  let closed = false;
  let size = options.size;

  const send = (frame: Uint8Array<ArrayBuffer>) => {
    if (socket?.readyState === WebSocket.OPEN) socket.send(frame);
  };

  void (async () => {
    const { ticket, error } = await requestTicket(base, options.lab);
    if (closed) return;
    if (!ticket) return options.onState('unavailable', error);
    const url = new URL(`/ws?ticket=${encodeURIComponent(ticket)}`, base);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => socket?.send(JSON.stringify({ type: 'hello', v: PROTOCOL_VERSION, cols: size.cols, rows: size.rows }));
    socket.onmessage = (event: MessageEvent<ArrayBuffer | string>) => {
      if (typeof event.data === 'string') return handleControl(parseServerControl(event.data));
      const frame = decodeBinary(new Uint8Array(event.data));
      if (frame.op === OP_OUTPUT) options.onOutput(frame.data);
    };
    socket.onclose = (event) => {
      if (closed) return;
      closed = true;
      options.onState('ended', event.reason || 'The connection to your sandbox closed. Restart the lab to get a fresh one.');
    };
  })();

  function handleControl(message: ServerControl): void {
    if (message.type === 'ready') options.onState('ready');
    else if (message.type === 'progress') options.onState('connecting', message.message);
    else if (message.type === 'error') options.onState(message.code === 'ENGINE_UNAVAILABLE' ? 'unavailable' : 'ended', message.message);
    else if (message.type === 'exit') {
      closed = true;
      options.onState('ended', message.message);
    }
  }

  return {
    input(text) {
      const bytes = encoder.encode(text);
      for (let i = 0; i < bytes.length; i += MAX_FRAME_BYTES) send(encodeData(OP_INPUT, bytes.subarray(i, i + MAX_FRAME_BYTES)));
    },
    resize(cols, rows) {
      size = { cols, rows };
      send(encodeResize(cols, rows));
    },
    close() {
      closed = true;
      socket?.close(1000, 'closed by page');
    },
  };
}

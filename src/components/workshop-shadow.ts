/**
 * <bulkhead-workshop-shadow>: a read-only live view of one learner's terminal. Trades the instructor
 * secret for a shadow ticket, opens /ws/shadow and writes what arrives into an xterm.js terminal with
 * `disableStdin`, so nothing typed here can reach the learner's shell (and the server ignores anything
 * sent anyway). The learner's page is told it is being watched while this is open.
 */
import { OP_OUTPUT, decodeBinary, parseServerControl } from '../lib/protocol.ts';
import { api, socketUrl, type Credentials } from './workshop-api.ts';

const COLS = 100;
const ROWS = 30;
const STYLE_ID = 'bulkhead-xterm-style';

class WorkshopShadow extends HTMLElement {
  private socket?: WebSocket;
  private term?: import('@xterm/xterm').Terminal;
  private readonly heading = document.createElement('h3');
  private readonly status = document.createElement('p');
  private readonly screen = document.createElement('div');
  private readonly stopButton = document.createElement('button');

  connectedCallback(): void {
    if (this.childElementCount) return;
    this.hidden = true;
    this.heading.tabIndex = -1;
    this.status.setAttribute('role', 'status');
    this.screen.className = 'ws-shadow-screen';
    this.screen.setAttribute('aria-label', 'Learner terminal, read-only');
    this.stopButton.type = 'button';
    this.stopButton.className = 'button';
    this.stopButton.textContent = 'Stop watching';
    this.stopButton.addEventListener('click', () => this.stop());
    const bar = document.createElement('div');
    bar.className = 'ws-shadow-bar';
    bar.append(this.heading, this.stopButton);
    this.append(bar, this.status, this.screen);
  }

  disconnectedCallback(): void {
    this.stop();
  }

  async watch(credentials: Credentials, seat: string, name: string): Promise<void> {
    this.stop();
    this.hidden = false;
    this.heading.textContent = `Watching ${name} (read-only)`;
    this.status.textContent = 'Connecting…';
    // xterm.js does not draw while it is scrolled out of view, so bring the whole view in.
    this.scrollIntoView({ block: 'start' });
    this.heading.focus({ preventScroll: true });
    // The CSS as text: a second dynamic import of xterm.css beside lab-terminal.ts's makes the build drop the file.
    const [{ Terminal }, { default: css }] = await Promise.all([import('@xterm/xterm'), import('@xterm/xterm/css/xterm.css?inline')]);
    if (!document.getElementById(STYLE_ID)) {
      const style = document.createElement('style');
      style.id = STYLE_ID;
      style.textContent = css;
      document.head.append(style);
    }
    if (!this.term) {
      this.term = new Terminal({ cols: COLS, rows: ROWS, disableStdin: true, cursorBlink: false, fontSize: 13, scrollback: 2000 });
      this.term.open(this.screen);
    }
    const term = this.term;
    term.reset();
    let ticket: string;
    try {
      ticket = (await api<{ ticket: string }>(`/api/workshops/${credentials.code}/tickets`, { body: { purpose: 'shadow', seat }, token: credentials.secret })).ticket;
    } catch (error) {
      this.status.textContent = (error as Error).message;
      return;
    }
    const ws = new WebSocket(socketUrl('/ws/shadow', ticket));
    ws.binaryType = 'arraybuffer';
    this.socket = ws;
    ws.onmessage = (event: MessageEvent<ArrayBuffer | string>) => {
      if (typeof event.data !== 'string') {
        const frame = decodeBinary(new Uint8Array(event.data));
        if (frame.op === OP_OUTPUT) term.write(frame.data);
        return;
      }
      const message = parseServerControl(event.data);
      if (message.type === 'ready') this.status.textContent = `Live: ${name} is in the ${message.lab} lab. ${name} sees that you are watching.`;
      else if (message.type === 'expired' || message.type === 'error') this.status.textContent = message.message;
    };
    ws.onclose = (event) => {
      if (this.socket !== ws) return;
      this.socket = undefined;
      if (!/Live/.test(this.status.textContent ?? '') && this.status.textContent !== 'Connecting…') return;
      this.status.textContent = event.reason ? `Stopped: ${event.reason}` : `Stopped watching ${name}.`;
    };
  }

  stop(): void {
    const ws = this.socket;
    this.socket = undefined;
    ws?.close(1000, 'stopped');
    if (!this.hidden && ws) this.status.textContent = 'Stopped watching.';
  }
}

if (!customElements.get('bulkhead-workshop-shadow')) customElements.define('bulkhead-workshop-shadow', WorkshopShadow);

export type { WorkshopShadow };

/**
 * <bulkhead-lab lab="slug">: the lab pane's terminal. Light until the learner presses "Start lab"; then it
 * loads xterm.js, asks lab-server for a one-time ticket and opens the WebSocket. It types commands sent
 * with `bulkhead:run` events and reports its state with `bulkhead:lab-state` events.
 */
import { connectLab, type LabConnection, type LabState } from '../lib/lab-client.ts';
import type { CriterionResult } from '../lib/protocol.ts';

type XtermModules = Awaited<ReturnType<typeof loadXterm>>;

/** xterm's stylesheet as a URL: a dynamic CSS import would not be emitted for a lazily loaded chunk. */
function loadStylesheet(href: string): Promise<void> {
  if (document.querySelector(`link[data-xterm-css]`)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = href;
    link.dataset.xtermCss = '';
    link.onload = () => resolve();
    link.onerror = () => reject(new Error('xterm stylesheet failed to load'));
    document.head.append(link);
  });
}

async function loadXterm() {
  const [{ Terminal }, { FitAddon }, { WebLinksAddon }, css] = await Promise.all([
    import('@xterm/xterm'),
    import('@xterm/addon-fit'),
    import('@xterm/addon-web-links'),
    import('@xterm/xterm/css/xterm.css?url'),
  ]);
  await loadStylesheet(css.default);
  return { Terminal, FitAddon, WebLinksAddon };
}

const STATE_TEXT: Record<LabState, string> = {
  idle: 'Not started',
  connecting: 'Starting…',
  ready: 'Connected',
  reconnecting: 'Reconnecting…',
  expired: 'Session expired',
  unavailable: 'Labs unavailable',
  ended: 'Ended',
};

/** Only web links, and only with a modifier key, so a stray click in the terminal never navigates. */
function openLink(event: MouseEvent, uri: string): void {
  if (!(event.ctrlKey || event.metaKey)) return;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return;
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') window.open(url.href, '_blank', 'noopener,noreferrer');
}

/** Writes check results into the checklist's markup (`[data-criterion="exercise/criterion"]`). */
function showResults(exercise: string, results: readonly CriterionResult[]): void {
  for (const result of results) {
    const item = document.querySelector(`[data-criterion="${CSS.escape(`${exercise}/${result.criterion}`)}"]`);
    const status = item?.querySelector<HTMLElement>('[data-status]') ?? (item instanceof HTMLElement && item.hasAttribute('data-status') ? item : null);
    if (status) status.dataset.status = result.passed ? 'pass' : 'fail';
    const message = item?.querySelector('[data-message]');
    if (message) message.textContent = result.message;
  }
  document.dispatchEvent(new CustomEvent('bulkhead:checks', { detail: { exercise, results } }));
}

class BulkheadLab extends HTMLElement {
  private connection?: LabConnection;
  private term?: InstanceType<XtermModules['Terminal']>;
  private pending: string[] = [];
  private state: LabState = 'idle';
  private readonly statusEl = document.createElement('p');
  private readonly button = document.createElement('button');
  private readonly screen = document.createElement('div');
  private readonly clock = document.createElement('span');
  private readonly takeoverButton = document.createElement('button');
  private expiresAt = 0;
  private clockTimer?: number;
  private readonly onRun = (event: Event) => this.run((event as CustomEvent<{ command?: unknown }>).detail?.command);
  private readonly onAnswer = (event: Event) => {
    const detail = (event as CustomEvent<{ exercise?: unknown; criterion?: unknown; answer?: unknown }>).detail;
    if (typeof detail?.exercise === 'string' && typeof detail.criterion === 'string' && typeof detail.answer === 'string') {
      this.connection?.answer(detail.exercise, detail.criterion, detail.answer);
    }
  };
  private readonly onCheck = (event: Event) => {
    const exercise = (event as CustomEvent<{ exercise?: unknown }>).detail?.exercise;
    this.connection?.check(typeof exercise === 'string' ? exercise : undefined);
  };

  connectedCallback(): void {
    if (this.childElementCount) return;
    const bar = document.createElement('div');
    bar.className = 'lab-bar';
    this.statusEl.className = 'lab-status';
    this.statusEl.setAttribute('role', 'status');
    this.statusEl.dataset.state = 'idle';
    this.statusEl.textContent = 'Your sandbox starts when you press Start lab.';
    this.button.type = 'button';
    this.button.className = 'lab-start';
    this.button.textContent = 'Start lab';
    this.button.addEventListener('click', () => void this.start());
    this.clock.className = 'lab-clock';
    this.clock.setAttribute('aria-live', 'off');
    this.takeoverButton.type = 'button';
    this.takeoverButton.className = 'lab-takeover';
    this.takeoverButton.textContent = 'Type here';
    this.takeoverButton.hidden = true;
    this.takeoverButton.addEventListener('click', () => this.connection?.takeover());
    bar.append(this.button, this.statusEl, this.takeoverButton, this.clock);
    this.screen.className = 'lab-screen';
    this.screen.hidden = true;
    this.screen.setAttribute('aria-label', 'Lab terminal');
    this.append(bar, this.screen);
    document.addEventListener('bulkhead:run', this.onRun);
    document.addEventListener('bulkhead:answer', this.onAnswer);
    document.addEventListener('bulkhead:check', this.onCheck);
    void this.loadSavedResults();
  }

  /** Shows what the learner achieved before (stored by lab-server), before any lab starts. */
  private async loadSavedResults(): Promise<void> {
    const lab = this.getAttribute('lab');
    if (!lab) return;
    try {
      const response = await fetch(`/api/progress/${encodeURIComponent(lab)}`, { credentials: 'same-origin' });
      if (!response.ok) return;
      const saved = (await response.json()) as { results?: Record<string, CriterionResult[]> };
      for (const [exercise, results] of Object.entries(saved.results ?? {})) showResults(exercise, results);
    } catch {
      // Reading mode: no lab-server, nothing saved to show.
    }
  }

  disconnectedCallback(): void {
    window.clearInterval(this.clockTimer);
    document.removeEventListener('bulkhead:run', this.onRun);
    document.removeEventListener('bulkhead:answer', this.onAnswer);
    document.removeEventListener('bulkhead:check', this.onCheck);
    this.connection?.close();
  }

  /** Types a command into the shell, starting the lab first when needed. */
  run(command: unknown): void {
    if (typeof command !== 'string' || !command.trim()) return;
    const line = `${command.replace(/\n+$/, '')}\r`;
    if (this.state === 'ready' && this.connection) {
      this.connection.input(line);
      this.term?.focus();
      return;
    }
    this.pending.push(line);
    if (this.state === 'idle' || this.state === 'ended' || this.state === 'expired') void this.start();
  }

  private setState(state: LabState, message?: string): void {
    this.state = state;
    this.statusEl.dataset.state = state;
    this.statusEl.textContent = message ?? STATE_TEXT[state];
    this.button.hidden = state === 'connecting' || state === 'ready' || state === 'reconnecting';
    this.button.textContent = state === 'idle' ? 'Start lab' : 'Restart lab';
    if (state !== 'ready' && state !== 'reconnecting') {
      this.takeoverButton.hidden = true;
      this.expiresAt = 0;
      this.tickClock();
    }
    this.dispatchEvent(new CustomEvent('bulkhead:lab-state', { detail: { state, message }, bubbles: true }));
  }

  /** Minutes left before the hard limit, so the end of a lab is never a surprise. */
  private tickClock(): void {
    if (!this.expiresAt) {
      this.clock.textContent = '';
      return;
    }
    const minutes = Math.max(0, Math.ceil((this.expiresAt - Date.now()) / 60_000));
    this.clock.textContent = `${minutes} min left`;
    this.clock.title = `This lab ends at ${new Date(this.expiresAt).toLocaleTimeString()}`;
  }

  private async start(): Promise<void> {
    if (this.state === 'connecting' || this.state === 'ready' || this.state === 'reconnecting') return;
    const lab = this.getAttribute('lab') ?? '';
    this.setState('connecting');
    this.screen.hidden = false;
    let xterm: XtermModules;
    try {
      xterm = await loadXterm();
    } catch {
      this.setState('unavailable', 'The terminal could not load. Check your connection and reload the page.');
      return;
    }
    if (!this.term) {
      const term = new xterm.Terminal({ cursorBlink: true, convertEol: false, fontSize: 14, scrollback: 5000, allowProposedApi: false });
      const fit = new xterm.FitAddon();
      term.loadAddon(fit);
      term.loadAddon(new xterm.WebLinksAddon(openLink));
      term.open(this.screen);
      fit.fit();
      new ResizeObserver(() => {
        fit.fit();
      }).observe(this.screen);
      term.onResize(({ cols, rows }) => this.connection?.resize(cols, rows));
      term.onData((data) => this.connection?.input(data));
      this.term = term;
    } else {
      this.term.reset();
    }
    const term = this.term;
    this.connection?.close();
    this.connection = connectLab({
      lab,
      size: { cols: term.cols, rows: term.rows },
      onOutput: (bytes) => term.write(bytes),
      onMessage: (message) => {
        if (message.type === 'checks') showResults(message.exercise, message.results);
        // In the terminal too: a learner deep in a command reads the terminal, not the status line.
        else if (message.type === 'draining') term.write(`\r\n\x1b[1;33m[Bulkhead] ${message.message}\x1b[0m\r\n`);
        else document.dispatchEvent(new CustomEvent(`bulkhead:${message.type}`, { detail: message }));
      },
      onInfo: (info) => {
        if (info.expiresAt) this.expiresAt = info.expiresAt;
        this.takeoverButton.hidden = info.role !== 'viewer';
        this.tickClock();
        window.clearInterval(this.clockTimer);
        this.clockTimer = window.setInterval(() => this.tickClock(), 15_000);
      },
      onState: (state, message) => {
        this.setState(state, message);
        if (state === 'ready') {
          term.focus();
          for (const line of this.pending.splice(0)) this.connection?.input(line);
        }
      },
    });
  }
}

if (!customElements.get('bulkhead-lab')) customElements.define('bulkhead-lab', BulkheadLab);

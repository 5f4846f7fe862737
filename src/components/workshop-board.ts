/**
 * <bulkhead-workshop-board>: the live board. Trades the instructor secret for a ticket, opens
 * /ws/board and renders every pushed snapshot: a table of learners by exercise (most stuck first, or by
 * name), and the details of the selected learner with their check messages. Clocks (idle, time on an
 * exercise) tick locally against the server's time. Reconnects by itself.
 *
 * Events (bubbling): `workshop:board` {board} after each snapshot; `workshop:watch` {seat, name} when
 * the instructor asks to watch a learner; `workshop:denied` {message} when the secret was refused.
 */
import { api, ApiError, socketUrl, spoken, type BoardRow, type BoardSnapshot, type Credentials } from './workshop-api.ts';

type Cell = BoardRow['cells'][string];
const RECONNECT_MS = [500, 1_000, 2_000, 5_000, 10_000];
/** Input more recent than this reads as "typing". */
const TYPING_MS = 10_000;
const SYMBOL: Record<Cell['state'], string> = { done: '✓', 'in-progress': '◐', failing: '✗', 'not-started': '·' };
const WORDS: Record<Cell['state'], string> = { done: 'done', 'in-progress': 'in progress', failing: 'failing', 'not-started': 'not started' };

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function hidden(text: string): HTMLSpanElement {
  return el('span', { className: 'visually-hidden' }, text);
}

class WorkshopBoard extends HTMLElement {
  private credentials?: Credentials;
  private socket?: WebSocket;
  private attempt = 0;
  private closed = false;
  private board?: BoardSnapshot;
  private skew = 0;
  private sort: 'stuck' | 'name' | 'joined' = 'stuck';
  private selected?: string;
  private clock?: number;
  private readonly table = el('table', { className: 'ws-board' });
  private readonly details = el('section', { className: 'ws-details' });
  private readonly state = el('p', { className: 'ws-connection' });

  connectedCallback(): void {
    if (this.childElementCount) return;
    const sortLabel = el('label', { htmlFor: 'ws-sort' }, 'Order ');
    const sort = el('select', { id: 'ws-sort' });
    for (const [value, text] of [['stuck', 'Most stuck first'], ['name', 'By name'], ['joined', 'By joining time']]) sort.append(el('option', { value }, text as string));
    sort.addEventListener('change', () => {
      this.sort = sort.value as typeof this.sort;
      this.render();
    });
    this.state.setAttribute('role', 'status');
    this.details.hidden = true;
    this.table.addEventListener('click', (event) => {
      const button = event.target instanceof Element ? event.target.closest<HTMLButtonElement>('button[data-seat]') : null;
      if (button?.dataset.seat) this.select(button.dataset.seat);
    });
    const scroller = el('div', { className: 'ws-board-scroll', tabIndex: 0 }, this.table);
    scroller.setAttribute('role', 'region');
    scroller.setAttribute('aria-label', 'Learners by exercise');
    this.append(el('div', { className: 'ws-board-bar' }, el('span', {}, sortLabel, sort), this.state), scroller, this.details);
    this.clock = window.setInterval(() => this.tick(), 1_000);
  }

  disconnectedCallback(): void {
    this.stop();
    window.clearInterval(this.clock);
  }

  get snapshot(): BoardSnapshot | undefined {
    return this.board;
  }

  /** Server time now, from the last snapshot's clock. */
  now(): number {
    return Date.now() + this.skew;
  }

  start(credentials: Credentials): void {
    this.credentials = credentials;
    this.closed = false;
    void this.open();
  }

  stop(): void {
    this.closed = true;
    this.socket?.close(1000, 'closed by page');
  }

  private async open(): Promise<void> {
    if (!this.credentials || this.closed) return;
    this.state.textContent = this.attempt ? 'Reconnecting…' : 'Connecting…';
    let ticket: string;
    try {
      ticket = (await api<{ ticket: string }>(`/api/workshops/${this.credentials.code}/tickets`, { body: { purpose: 'board' }, token: this.credentials.secret })).ticket;
    } catch (error) {
      this.state.textContent = (error as Error).message;
      if (error instanceof ApiError && [401, 403, 404].includes(error.status)) {
        this.closed = true;
        this.dispatchEvent(new CustomEvent('workshop:denied', { detail: { message: (error as Error).message }, bubbles: true }));
        return;
      }
      return this.retry();
    }
    const ws = new WebSocket(socketUrl('/ws/board', ticket));
    this.socket = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.state.textContent = 'Live';
    };
    ws.onmessage = (event: MessageEvent<string>) => {
      const message = JSON.parse(event.data) as { type?: string; board?: BoardSnapshot };
      if (message.type === 'board' && message.board) this.update(message.board);
    };
    ws.onclose = () => {
      if (this.socket === ws && !this.closed) this.retry();
    };
  }

  private retry(): void {
    if (this.closed) return;
    const delay = RECONNECT_MS[Math.min(this.attempt++, RECONNECT_MS.length - 1)];
    this.state.textContent = `Not live: reconnecting in ${Math.round((delay ?? 1000) / 1000)} s…`;
    window.setTimeout(() => void this.open(), delay);
  }

  update(board: BoardSnapshot): void {
    this.board = board;
    this.skew = board.now - Date.now();
    this.render();
    this.dispatchEvent(new CustomEvent('workshop:board', { detail: { board }, bubbles: true }));
  }

  private rows(): BoardRow[] {
    const rows = [...(this.board?.roster ?? [])];
    if (this.sort === 'name') rows.sort((a, b) => a.name.localeCompare(b.name));
    if (this.sort === 'joined') rows.sort((a, b) => a.joinedAt - b.joinedAt);
    return rows;
  }

  private render(): void {
    const board = this.board;
    if (!board) return;
    const focused = document.activeElement instanceof HTMLElement ? document.activeElement.dataset.seat : undefined;
    const { lessons } = board.workshop;
    const head1 = el('tr', {}, el('th', { scope: 'col', rowSpan: 2 }, 'Learner'), el('th', { scope: 'col', rowSpan: 2 }, 'Right now'), el('th', { scope: 'col', rowSpan: 2 }, 'Done'));
    const head2 = el('tr');
    for (const lesson of lessons) {
      if (!lesson.exercises.length) continue;
      head1.append(el('th', { scope: 'colgroup', colSpan: lesson.exercises.length }, `${String(lesson.number).padStart(2, '0')} ${lesson.title}`));
      lesson.exercises.forEach((exercise, i) => {
        const th = el('th', { scope: 'col', title: exercise.title }, el('span', { ariaHidden: 'true' } as Partial<HTMLSpanElement>, String(i + 1)), hidden(exercise.title));
        head2.append(th);
      });
    }
    const body = el('tbody');
    for (const row of this.rows()) {
      const name = el('button', { type: 'button', className: 'ws-name' }, row.name);
      name.dataset.seat = row.seat;
      name.setAttribute('aria-pressed', String(row.seat === this.selected));
      const tr = el('tr', {}, el('th', { scope: 'row' }, name), el('td', { className: 'ws-live' }, ...this.liveParts(row)), el('td', { className: 'ws-done' }, `${row.done}/${board.workshop.exercises}`));
      for (const lesson of lessons) {
        for (const exercise of lesson.exercises) tr.append(this.cell(row.cells[`${lesson.slug}/${exercise.id}`], exercise.title));
      }
      body.append(tr);
    }
    const caption = el('caption', {}, `${board.roster.length} ${board.roster.length === 1 ? 'learner' : 'learners'} by exercise. ✓ done, ◐ in progress, ✗ failing (stuck), · not started.`);
    this.table.replaceChildren(caption, el('thead', {}, head1, head2), body);
    if (!board.roster.length) this.table.append(el('tbody', {}, el('tr', {}, el('td', { colSpan: 3 + board.workshop.exercises }, 'Nobody has joined yet. Show the join code and link.'))));
    if (focused) this.table.querySelector<HTMLButtonElement>(`button[data-seat="${CSS.escape(focused)}"]`)?.focus();
    this.renderDetails();
    this.tick();
  }

  private liveParts(row: BoardRow): Array<Node | string> {
    const dot = el('span', { className: row.connected ? 'ws-dot ws-on' : 'ws-dot' });
    dot.setAttribute('aria-hidden', 'true');
    const text = row.connected ? 'connected' : row.labs.length ? 'lab open, no tab' : 'no lab open';
    const idle = el('span', { className: 'ws-idle' });
    if (row.lastInputAt !== undefined && row.labs.length) idle.dataset.idleSince = String(row.lastInputAt);
    return [dot, text, row.watched ? ' · watched' : '', idle];
  }

  private cell(cell: Cell | undefined, title: string): HTMLTableCellElement {
    const state = cell?.state ?? 'not-started';
    const td = el('td', { className: 'ws-cell' });
    td.dataset.state = state;
    const symbol = el('span', {}, SYMBOL[state]);
    symbol.setAttribute('aria-hidden', 'true');
    td.append(symbol, hidden(` ${title}: ${WORDS[state]}`));
    if (cell?.since !== undefined && state !== 'done') {
      const since = el('span', { className: 'ws-since' });
      since.dataset.since = String(cell.since);
      td.append(since);
    }
    if (cell?.message) {
      td.title = cell.message;
      td.append(hidden(`. ${cell.message}`));
    }
    return td;
  }

  select(seat: string): void {
    this.selected = seat;
    for (const button of this.table.querySelectorAll<HTMLButtonElement>('button[data-seat]')) button.setAttribute('aria-pressed', String(button.dataset.seat === seat));
    this.renderDetails();
    this.details.querySelector('h3')?.focus();
  }

  private renderDetails(): void {
    const row = this.board?.roster.find((r) => r.seat === this.selected);
    if (!row || !this.board) {
      this.details.hidden = true;
      return;
    }
    const heading = el('h3', { tabIndex: -1 }, row.name);
    const watch = el('button', { type: 'button', className: 'button button-primary', disabled: row.labs.length === 0 }, 'Watch terminal');
    watch.dataset.watch = row.seat;
    watch.addEventListener('click', () => this.dispatchEvent(new CustomEvent('workshop:watch', { detail: { seat: row.seat, name: row.name }, bubbles: true })));
    const live = el('p', {}, ...this.liveParts(row), row.labs.length ? ` · labs: ${row.labs.join(', ')}` : '');
    const list = el('ul', { className: 'ws-detail-list' });
    for (const lesson of this.board.workshop.lessons) {
      for (const exercise of lesson.exercises) {
        const cell = row.cells[`${lesson.slug}/${exercise.id}`];
        const state = cell?.state ?? 'not-started';
        const item = el('li', {}, el('span', { className: 'ws-cell' }, SYMBOL[state]), ` ${lesson.title} · ${exercise.title}: ${WORDS[state]}`);
        item.querySelector('.ws-cell')?.setAttribute('data-state', state);
        item.querySelector('.ws-cell')?.setAttribute('aria-hidden', 'true');
        if (cell?.since !== undefined && state !== 'done') {
          const since = el('span', { className: 'ws-since' });
          since.dataset.since = String(cell.since);
          item.append(' ', since);
        }
        if (cell?.message) item.append(el('span', { className: 'ws-message' }, cell.message));
        list.append(item);
      }
    }
    const note = row.labs.length ? '' : 'Watching becomes possible once they start a lab.';
    this.details.replaceChildren(heading, live, el('p', {}, watch, note ? ` ${note}` : ''), list);
    this.details.hidden = false;
  }

  /** Clock-driven text: idle times and time on the current exercise. */
  private tick(): void {
    const now = this.now();
    for (const span of this.querySelectorAll<HTMLElement>('[data-idle-since]')) {
      const idle = now - Number(span.dataset.idleSince);
      span.textContent = idle < TYPING_MS ? ' · typing' : ` · idle ${spoken(idle)}`;
    }
    for (const span of this.querySelectorAll<HTMLElement>('[data-since]')) span.textContent = ` ${spoken(now - Number(span.dataset.since))}`;
  }
}

if (!customElements.get('bulkhead-workshop-board')) customElements.define('bulkhead-workshop-board', WorkshopBoard);

export type { WorkshopBoard };

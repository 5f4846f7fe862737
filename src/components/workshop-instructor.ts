/**
 * <bulkhead-workshop-instructor>: the instructor page. Without credentials it offers "open your
 * workshop" (code + secret) and "create a workshop" (needs the organizer key); with them (from the
 * instructor link's #fragment, kept in this tab only) it shows the board and the room's controls:
 * broadcast, extend, end, export, and watching a learner's terminal.
 */
import {
  api, ApiError, clockTime, download, forgetCredentials, saveCredentials, spoken, takeCredentials, type BoardSnapshot, type Credentials,
} from './workshop-api.ts';
import type { WorkshopBoard } from './workshop-board.ts';
import type { WorkshopShadow } from './workshop-shadow.ts';
import './workshop-board.ts';
import './workshop-shadow.ts';

interface Created {
  workshop: { code: string; title: string; startsAt: number; endsAt: number; seats: number; lessons: string[] };
  secret: string;
  joinPath: string;
  instructorPath: string;
}

function part<T extends Element>(root: ParentNode, selector: string): T {
  const found = root.querySelector<T>(selector);
  if (!found) throw new Error(`workshop page: missing ${selector}`);
  return found;
}

function fail(target: HTMLElement, error: unknown): void {
  target.textContent = error instanceof Error ? error.message : String(error);
}

class WorkshopInstructor extends HTMLElement {
  private credentials?: Credentials;
  private board!: WorkshopBoard;
  private shadow!: WorkshopShadow;
  private clock?: number;

  connectedCallback(): void {
    this.board = part<WorkshopBoard>(this, 'bulkhead-workshop-board');
    this.shadow = part<WorkshopShadow>(this, 'bulkhead-workshop-shadow');
    part<HTMLFormElement>(this, 'form[data-open]').addEventListener('submit', (event) => {
      event.preventDefault();
      void this.openForm(event.currentTarget as HTMLFormElement);
    });
    part<HTMLFormElement>(this, 'form[data-create]').addEventListener('submit', (event) => {
      event.preventDefault();
      void this.create(event.currentTarget as HTMLFormElement);
    });
    part<HTMLFormElement>(this, 'form[data-broadcast]').addEventListener('submit', (event) => {
      event.preventDefault();
      void this.broadcast(event.currentTarget as HTMLFormElement);
    });
    part<HTMLButtonElement>(this, '[data-extend]').addEventListener('click', () => void this.extend());
    for (const button of this.querySelectorAll<HTMLButtonElement>('[data-export]')) {
      button.addEventListener('click', () => void this.exportAs(button.dataset.export === 'csv' ? 'csv' : 'json'));
    }
    const dialog = part<HTMLDialogElement>(this, 'dialog[data-end-dialog]');
    part<HTMLButtonElement>(this, '[data-end]').addEventListener('click', () => dialog.showModal());
    dialog.addEventListener('close', () => {
      if (dialog.returnValue === 'end') void this.end();
    });
    part<HTMLButtonElement>(this, '[data-leave]').addEventListener('click', () => this.leave());
    this.addEventListener('workshop:board', (event) => this.header((event as CustomEvent<{ board: BoardSnapshot }>).detail.board));
    this.addEventListener('workshop:watch', (event) => {
      const { seat, name } = (event as CustomEvent<{ seat: string; name: string }>).detail;
      if (this.credentials) void this.shadow.watch(this.credentials, seat, name);
    });
    this.addEventListener('workshop:denied', (event) => {
      this.leave();
      fail(part<HTMLElement>(this, 'form[data-open] [data-error]'), new Error((event as CustomEvent<{ message: string }>).detail.message));
    });
    this.clock = window.setInterval(() => this.tickClock(), 1_000);
    const credentials = takeCredentials();
    if (credentials) this.show(credentials);
  }

  disconnectedCallback(): void {
    window.clearInterval(this.clock);
  }

  private panel(name: 'start' | 'board'): void {
    part<HTMLElement>(this, '[data-panel="start"]').hidden = name !== 'start';
    part<HTMLElement>(this, '[data-panel="board"]').hidden = name !== 'board';
  }

  private async openForm(form: HTMLFormElement): Promise<void> {
    const error = part<HTMLElement>(form, '[data-error]');
    error.textContent = '';
    const code = (form.elements.namedItem('code') as HTMLInputElement).value.trim().toUpperCase().replace(/[\s-]/g, '');
    const secret = (form.elements.namedItem('secret') as HTMLInputElement).value.trim();
    try {
      await api(`/api/workshops/${encodeURIComponent(code)}`, { token: secret });
    } catch (e) {
      return fail(error, e);
    }
    saveCredentials({ code, secret });
    this.show({ code, secret });
  }

  private show(credentials: Credentials): void {
    this.credentials = credentials;
    this.panel('board');
    part<HTMLElement>(this, '[data-code]').textContent = credentials.code;
    const join = new URL(`/workshop/?code=${credentials.code}`, location.href).href;
    const joinLink = part<HTMLAnchorElement>(this, '[data-join-link]');
    joinLink.href = join;
    joinLink.textContent = join;
    this.board.start(credentials);
    part<HTMLElement>(this, '[data-board-title]').focus();
  }

  private leave(): void {
    this.board.stop();
    this.shadow.stop();
    forgetCredentials();
    this.credentials = undefined;
    history.replaceState(null, '', location.pathname);
    this.panel('start');
  }

  private async create(form: HTMLFormElement): Promise<void> {
    const error = part<HTMLElement>(form, '[data-error]');
    error.textContent = '';
    const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement | null)?.value.trim() ?? '';
    const lessons = [...form.querySelectorAll<HTMLInputElement>('input[name="lessons"]:checked')].map((box) => box.value);
    if (!lessons.length) return fail(error, new Error('Choose at least one lesson.'));
    const button = part<HTMLButtonElement>(form, 'button[type="submit"]');
    button.disabled = true;
    try {
      const created = await api<Created>('/api/workshops', {
        token: value('organizerKey'),
        body: { title: value('title'), lessons, seats: Number(value('seats')), duration: value('duration'), startsIn: value('startsIn') || undefined },
      });
      this.showCreated(created);
    } catch (e) {
      fail(error, e instanceof ApiError && e.status === 403 ? new Error('That organizer key is wrong. It is in the file organizer-key in the lab-server\'s data folder.') : e);
    } finally {
      button.disabled = false;
    }
  }

  private showCreated(created: Created): void {
    const box = part<HTMLElement>(this, '[data-created]');
    const join = new URL(created.joinPath, location.href).href;
    const instructor = new URL(created.instructorPath, location.href).href;
    part<HTMLElement>(box, '[data-created-code]').textContent = created.workshop.code;
    part<HTMLElement>(box, '[data-created-join]').textContent = join;
    part<HTMLElement>(box, '[data-created-instructor]').textContent = instructor;
    part<HTMLElement>(box, '[data-created-when]').textContent =
      `${created.workshop.title}: ${clockTime(created.workshop.startsAt)} to ${clockTime(created.workshop.endsAt)}, ${created.workshop.seats} seats.`;
    for (const button of box.querySelectorAll<HTMLButtonElement>('[data-copy]')) {
      button.onclick = () => void navigator.clipboard?.writeText(part<HTMLElement>(box, `[data-created-${button.dataset.copy}]`).textContent ?? '')
        .then(() => { button.textContent = 'Copied'; }, () => { button.textContent = 'Select and copy it'; });
    }
    part<HTMLButtonElement>(box, '[data-open-board]').onclick = () => {
      saveCredentials({ code: created.workshop.code, secret: created.secret });
      this.show({ code: created.workshop.code, secret: created.secret });
    };
    box.hidden = false;
    part<HTMLElement>(box, 'h3').focus();
  }

  private header(board: BoardSnapshot): void {
    part<HTMLElement>(this, '[data-board-title]').textContent = board.workshop.title;
    part<HTMLElement>(this, '[data-seats]').textContent = `${board.workshop.seatsUsed} of ${board.workshop.seats} seats taken`;
    const ended = board.workshop.status === 'ended';
    for (const control of this.querySelectorAll<HTMLButtonElement | HTMLTextAreaElement>('[data-live-control]')) control.disabled = ended;
    this.tickClock();
  }

  private tickClock(): void {
    const board = this.board?.snapshot;
    if (!board) return;
    const now = this.board.now();
    const { workshop } = board;
    const text = workshop.status === 'ended' || now >= workshop.endsAt
      ? `Ended${workshop.endedAt ? ` at ${clockTime(workshop.endedAt)}` : ''}.`
      : now < workshop.startsAt
        ? `Starts at ${clockTime(workshop.startsAt)}, in ${spoken(workshop.startsAt - now)}; ends at ${clockTime(workshop.endsAt)}.`
        : `${spoken(workshop.endsAt - now)} left (ends at ${clockTime(workshop.endsAt)}).`;
    part<HTMLElement>(this, '[data-time]').textContent = text;
  }

  private async broadcast(form: HTMLFormElement): Promise<void> {
    const status = part<HTMLElement>(form, '[data-status]');
    const field = form.elements.namedItem('message') as HTMLTextAreaElement;
    if (!this.credentials) return;
    try {
      const { reached } = await api<{ reached: number }>(`/api/workshops/${this.credentials.code}/broadcast`, { body: { message: field.value }, token: this.credentials.secret });
      status.textContent = `Sent to ${reached} open ${reached === 1 ? 'lab' : 'labs'}; learners who open a lesson later see it too.`;
      field.value = '';
    } catch (e) {
      status.textContent = (e as Error).message;
    }
  }

  private async extend(): Promise<void> {
    const status = part<HTMLElement>(this, '[data-action-status]');
    const by = part<HTMLSelectElement>(this, '[data-extend-by]').value;
    if (!this.credentials) return;
    try {
      const { workshop } = await api<{ workshop: { endsAt: number } }>(`/api/workshops/${this.credentials.code}/extend`, { body: { by }, token: this.credentials.secret });
      status.textContent = `Extended: the workshop now ends at ${clockTime(workshop.endsAt)}.`;
    } catch (e) {
      status.textContent = (e as Error).message;
    }
  }

  private async end(): Promise<void> {
    const status = part<HTMLElement>(this, '[data-action-status]');
    if (!this.credentials) return;
    status.textContent = 'Ending: removing every sandbox…';
    try {
      const { sandboxes } = await api<{ sandboxes: number }>(`/api/workshops/${this.credentials.code}/end`, { method: 'POST', token: this.credentials.secret });
      status.textContent = `Ended. ${sandboxes} ${sandboxes === 1 ? 'lab was' : 'labs were'} closed and removed; learners were told. Export the results below.`;
    } catch (e) {
      status.textContent = (e as Error).message;
    }
  }

  private async exportAs(format: 'csv' | 'json'): Promise<void> {
    if (!this.credentials) return;
    const { code, secret } = this.credentials;
    try {
      await download(`/api/workshops/${code}/export?format=${format}`, secret, `workshop-${code}-results.${format}`);
    } catch (e) {
      part<HTMLElement>(this, '[data-action-status]').textContent = (e as Error).message;
    }
  }
}

if (!customElements.get('bulkhead-workshop-instructor')) customElements.define('bulkhead-workshop-instructor', WorkshopInstructor);

/**
 * <bulkhead-workshop-join>: the learner's side of a workshop page. Shows the join form (code prefilled
 * from `?code=`), takes a seat with POST /api/workshop/join, and then, as on every later visit, the
 * workshop the learner is in: its status and its lessons, which are their course.
 */
import { lessonHref } from '../lib/navigation.ts';
import { api, ApiError, clockTime, spoken, type LearnerView } from './workshop-api.ts';

const REFRESH_MS = 30_000;

class WorkshopJoin extends HTMLElement {
  private form!: HTMLFormElement;
  private error!: HTMLElement;
  private joined!: HTMLElement;
  private view?: LearnerView;
  private skew = 0;
  private timer?: number;

  connectedCallback(): void {
    const form = this.querySelector<HTMLFormElement>('form[data-join]');
    const error = this.querySelector<HTMLElement>('[data-error]');
    const joined = this.querySelector<HTMLElement>('[data-view="joined"]');
    if (!form || !error || !joined) return;
    [this.form, this.error, this.joined] = [form, error, joined];
    const code = new URLSearchParams(location.search).get('code');
    if (code) this.field('code').value = code.toUpperCase();
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.submit();
    });
    void this.load(code?.toUpperCase());
  }

  disconnectedCallback(): void {
    window.clearInterval(this.timer);
  }

  private field(name: 'code' | 'name'): HTMLInputElement {
    return this.form.elements.namedItem(name) as HTMLInputElement;
  }

  private async load(wanted?: string): Promise<void> {
    try {
      const me = await api<LearnerView | { workshop: null }>('/api/workshop/me');
      if (me.workshop && (!wanted || wanted === me.workshop.code)) this.show(me as LearnerView, false);
      else if (me.workshop) this.note(`You are in “${me.workshop.title}”. Joining ${wanted} moves you to that workshop.`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 0) this.fail(error.message);
    }
  }

  private async submit(): Promise<void> {
    const button = this.form.querySelector<HTMLButtonElement>('button[type="submit"]');
    for (const name of ['code', 'name'] as const) this.field(name).removeAttribute('aria-invalid');
    const code = this.field('code').value.trim();
    const name = this.field('name').value.trim();
    if (!code) return this.fail('Type the join code your instructor shows.', 'code');
    if (!name) return this.fail('Type a display name, so your instructor can tell you apart.', 'name');
    if (button) button.disabled = true;
    try {
      const view = await api<LearnerView>('/api/workshop/join', { body: { code, name } });
      this.show(view, true);
    } catch (error) {
      const e = error instanceof ApiError ? error : new ApiError(0, String(error));
      this.fail(e.message, e.code === 'NOT_FOUND' ? 'code' : e.code === 'BAD_REQUEST' || e.code === 'NAME_TAKEN' ? 'name' : undefined);
    } finally {
      if (button) button.disabled = false;
    }
  }

  private fail(message: string, field?: 'code' | 'name'): void {
    this.error.textContent = message;
    if (field) {
      const input = this.field(field);
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
  }

  private note(message: string): void {
    const note = this.querySelector<HTMLElement>('[data-note]');
    if (note) {
      note.textContent = message;
      note.hidden = false;
    }
  }

  private show(view: LearnerView, focus: boolean): void {
    this.view = view;
    this.skew = view.now - Date.now();
    this.form.closest<HTMLElement>('[data-view="join"]')!.hidden = true;
    this.error.textContent = '';
    const { workshop } = view;
    this.joined.replaceChildren();
    const heading = document.createElement('h2');
    heading.id = 'ws-joined-title';
    heading.tabIndex = -1;
    heading.textContent = `You are in “${workshop.title}”`;
    const seat = document.createElement('p');
    seat.append('Your instructor sees you as ');
    const strong = document.createElement('strong');
    strong.textContent = view.seat.name;
    seat.append(strong, '.');
    const status = document.createElement('p');
    status.className = 'ws-status';
    status.dataset.status = '';
    const lessonsTitle = document.createElement('h3');
    lessonsTitle.textContent = 'Your course';
    const list = document.createElement('ol');
    list.className = 'ws-lessons';
    for (const lesson of workshop.lessons) {
      const item = document.createElement('li');
      const link = document.createElement('a');
      link.href = lessonHref(lesson.slug, import.meta.env.BASE_URL);
      link.textContent = lesson.title;
      const meta = document.createElement('span');
      meta.className = 'ws-meta';
      meta.textContent = lesson.exercises ? ` · ${lesson.exercises} exercise${lesson.exercises === 1 ? '' : 's'}` : '';
      item.append(link, meta);
      list.append(item);
    }
    const actions = document.createElement('p');
    actions.className = 'ws-actions';
    const first = workshop.lessons[0];
    if (first && workshop.status !== 'ended') {
      const start = document.createElement('a');
      start.className = 'button button-primary';
      start.href = lessonHref(first.slug, import.meta.env.BASE_URL);
      start.textContent = `Start with ${first.navTitle}`;
      actions.append(start);
    }
    const rename = document.createElement('button');
    rename.type = 'button';
    rename.className = 'button';
    rename.textContent = 'Change my name';
    rename.addEventListener('click', () => {
      this.joined.hidden = true;
      this.form.closest<HTMLElement>('[data-view="join"]')!.hidden = false;
      this.field('code').value = workshop.code;
      this.field('name').value = view.seat.name;
      this.field('name').focus();
    });
    actions.append(rename);
    this.joined.append(heading, seat, status, lessonsTitle, list, actions);
    this.joined.hidden = false;
    this.tick();
    window.clearInterval(this.timer);
    this.timer = window.setInterval(() => this.tick(), REFRESH_MS);
    if (focus) heading.focus();
  }

  /** Status line against the server's clock. */
  private tick(): void {
    const status = this.joined.querySelector<HTMLElement>('[data-status]');
    if (!status || !this.view) return;
    const { workshop } = this.view;
    const now = Date.now() + this.skew;
    if (workshop.status === 'ended' || workshop.endedAt !== undefined || now >= workshop.endsAt) {
      status.textContent = 'This workshop has ended. Your results are saved; thank you for taking part.';
    } else if (now < workshop.startsAt) {
      status.textContent = `Starts at ${clockTime(workshop.startsAt)} (in ${spoken(workshop.startsAt - now)}); the labs open then. Read ahead meanwhile.`;
    } else {
      status.textContent = `Running until ${clockTime(workshop.endsAt)} (${spoken(workshop.endsAt - now)} left).`;
    }
  }
}

if (!customElements.get('bulkhead-workshop-join')) customElements.define('bulkhead-workshop-join', WorkshopJoin);

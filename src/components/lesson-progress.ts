/**
 * <bulkhead-progress slug total>: a ring showing how many of a lesson's exercises are done, read from
 * localStorage `bulkhead:progress` ({ [slug]: { done, total } }). Updates when another tab or the
 * exercise list writes progress.
 */
export const PROGRESS_KEY = 'bulkhead:progress';
export const PROGRESS_EVENT = 'bulkhead:progress';

export interface LessonProgress {
  done: number;
  total: number;
}

export function readProgress(): Record<string, LessonProgress> {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(PROGRESS_KEY) ?? '{}');
    return value && typeof value === 'object' ? (value as Record<string, LessonProgress>) : {};
  } catch {
    return {};
  }
}

export function writeProgress(slug: string, progress: LessonProgress): void {
  const all = readProgress();
  if (all[slug]?.done === progress.done && all[slug]?.total === progress.total) return;
  all[slug] = progress;
  try {
    localStorage.setItem(PROGRESS_KEY, JSON.stringify(all));
  } catch {
    // Storage full or blocked: progress shows for this page only.
  }
  document.dispatchEvent(new CustomEvent(PROGRESS_EVENT, { detail: { slug, ...progress } }));
}

export class ProgressMarker extends HTMLElement {
  private readonly update = () => this.render();

  connectedCallback(): void {
    this.render();
    window.addEventListener('storage', this.update);
    document.addEventListener(PROGRESS_EVENT, this.update);
  }

  disconnectedCallback(): void {
    window.removeEventListener('storage', this.update);
    document.removeEventListener(PROGRESS_EVENT, this.update);
  }

  private render(): void {
    const slug = this.getAttribute('slug') ?? '';
    const stored = readProgress()[slug];
    const total = Number(stored?.total) || Number(this.getAttribute('total')) || 0;
    const done = Math.min(Math.max(Number(stored?.done) || 0, 0), total);
    this.style.setProperty('--done', total ? String(done / total) : '0');
    this.toggleAttribute('data-complete', total > 0 && done === total);
    const text = this.querySelector('[data-text]');
    if (!text) return;
    if (this.hasAttribute('labelled')) text.textContent = done === total ? 'Done' : done === 0 ? 'Not started' : `${done} of ${total} done`;
    else text.textContent = done === total ? `, all ${total} exercises done` : `, ${done} of ${total} exercises done`;
  }
}

customElements.define('bulkhead-progress', ProgressMarker);

/**
 * <bulkhead-split>: the separator between lesson and lab. Drag it, or focus it and use the arrow keys
 * (Home/End for the limits); the width is kept in localStorage `bulkhead:split` (lesson share, percent).
 */
const STORAGE_KEY = 'bulkhead:split';
const STEP = 5;

export class SplitPane extends HTMLElement {
  private readonly separator = this.querySelector<HTMLElement>('[role="separator"]')!;
  private readonly min = Number(this.separator.getAttribute('aria-valuemin'));
  private readonly max = Number(this.separator.getAttribute('aria-valuemax'));

  connectedCallback(): void {
    const fromPage = Number.parseFloat(getComputedStyle(this).getPropertyValue('--split'));
    const initial = Number.parseFloat(getComputedStyle(this).getPropertyValue('--split-default'));
    this.set(Number.isFinite(fromPage) ? fromPage : initial, false);

    this.separator.addEventListener('keydown', (event) => {
      const now = Number(this.separator.getAttribute('aria-valuenow'));
      const next = { ArrowLeft: now - STEP, ArrowRight: now + STEP, Home: this.min, End: this.max }[event.key];
      if (next === undefined) return;
      event.preventDefault();
      this.set(next, true);
    });
    this.separator.addEventListener('dblclick', () => this.set(initial, true));
    this.separator.addEventListener('pointerdown', (event) => {
      if (event.button !== 0) return;
      this.separator.setPointerCapture(event.pointerId);
      this.separator.dataset.dragging = '';
    });
    this.separator.addEventListener('pointermove', (event) => {
      if (!this.separator.hasPointerCapture(event.pointerId)) return;
      const box = this.getBoundingClientRect();
      this.set(((event.clientX - box.left) / box.width) * 100, false);
    });
    const stop = (event: PointerEvent) => {
      if (!this.separator.hasPointerCapture(event.pointerId)) return;
      this.separator.releasePointerCapture(event.pointerId);
      delete this.separator.dataset.dragging;
      this.set(Number(this.separator.getAttribute('aria-valuenow')), true);
    };
    this.separator.addEventListener('pointerup', stop);
    this.separator.addEventListener('pointercancel', stop);
  }

  private set(percent: number, store: boolean): void {
    const value = Math.round(Math.min(this.max, Math.max(this.min, percent)));
    this.style.setProperty('--split', String(value));
    this.separator.setAttribute('aria-valuenow', String(value));
    this.separator.setAttribute('aria-valuetext', `Lesson ${value}%, lab ${100 - value}%`);
    if (!store) return;
    try {
      localStorage.setItem(STORAGE_KEY, String(value));
    } catch {
      // The width lasts for this page only.
    }
  }
}

customElements.define('bulkhead-split', SplitPane);

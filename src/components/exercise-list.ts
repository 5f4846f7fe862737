/**
 * <bulkhead-exercises lesson="slug">: the exercise checklist's behaviour.
 * - Hints: each press of "Show a hint" reveals the next one.
 * - Check: "Check my work" dispatches a bubbling `bulkhead:check` event { exercise } once the lab is ready.
 * - Answers: submitting `form[data-answer="exercise/criterion"]` dispatches a bubbling
 *   `bulkhead:answer` event { exercise, criterion, answer } once the lab is ready.
 * - Results: whoever sets `[data-status]` (idle|pass|fail) on a criterion gets its spoken text updated,
 *   `data-done` on finished exercises and the lesson's count in `bulkhead:progress`.
 */
import { readProgress, writeProgress } from './lesson-progress.ts';

type Status = 'idle' | 'pass' | 'fail';
const STATUS_TEXT: Record<Status, string> = { idle: 'Not checked yet:', pass: 'Passed:', fail: 'Not passing yet:' };

export class ExerciseList extends HTMLElement {
  private labState = 'idle';

  connectedCallback(): void {
    this.addEventListener('click', (event) => {
      const target = event.target instanceof Element ? event.target : null;
      const reset = target?.closest<HTMLButtonElement>('[data-reset-progress]');
      if (reset) void this.resetProgress(reset);
      const hint = target?.closest<HTMLButtonElement>('[data-hint-next]');
      if (hint) this.revealHint(hint);
      const check = target?.closest<HTMLButtonElement>('[data-check]');
      if (check) this.check(check);
    });
    this.addEventListener('submit', (event) => {
      const form = event.target;
      if (form instanceof HTMLFormElement && form.dataset.answer) {
        event.preventDefault();
        this.submitAnswer(form);
      }
    });
    document.addEventListener('bulkhead:lab-state', (event) => {
      this.labState = (event as CustomEvent<{ state: string }>).detail?.state ?? 'idle';
      this.dataset.labState = this.labState;
    });
    new MutationObserver(() => this.refresh()).observe(this, { subtree: true, attributeFilter: ['data-status'] });
  }

  private revealHint(button: HTMLButtonElement): void {
    const hints = [...button.closest('[data-exercise]')!.querySelectorAll<HTMLElement>('[data-hint]')];
    const next = hints.find((hint) => hint.hidden);
    if (!next) return;
    next.hidden = false;
    const left = hints.filter((hint) => hint.hidden).length;
    const count = button.querySelector('.hint-count');
    if (left === 0) {
      button.hidden = true;
      next.focus();
    } else {
      const action = button.querySelector('.hint-action');
      if (action) action.textContent = 'Show another hint';
      if (count) count.textContent = `(${hints.length - left + 1} of ${hints.length})`;
    }
  }

  private check(button: HTMLButtonElement): void {
    const feedback = button.closest('[data-exercise]')?.querySelector('[data-exercise-message]');
    if (this.labState !== 'ready') {
      if (feedback) feedback.textContent = 'Start the lab first: checks run against your sandbox.';
      return;
    }
    if (feedback) feedback.textContent = '';
    button.dispatchEvent(new CustomEvent('bulkhead:check', { detail: { exercise: button.dataset.check }, bubbles: true }));
  }

  private submitAnswer(form: HTMLFormElement): void {
    const [exercise, criterion] = form.dataset.answer!.split('/');
    const answer = (form.elements.namedItem('answer') as HTMLInputElement).value.trim();
    const message = form.closest('[data-criterion]')?.querySelector('[data-message]');
    if (this.labState !== 'ready') {
      if (message) message.textContent = 'Start the lab first: your answer is checked against your sandbox.';
      return;
    }
    if (message) message.textContent = '';
    form.dispatchEvent(new CustomEvent('bulkhead:answer', { detail: { exercise, criterion, answer }, bubbles: true }));
  }

  /** Forgets the learner's stored results for this lab (on the server and in this browser) after asking. */
  private async resetProgress(button: HTMLButtonElement): Promise<void> {
    const slug = this.getAttribute('lesson');
    const status = this.querySelector('.exercises-reset-status');
    if (!slug || !window.confirm('Forget every result and completed exercise of this lab? Your sandbox is not touched.')) return;
    button.disabled = true;
    try {
      const response = await fetch(`/api/progress/${encodeURIComponent(slug)}`, { method: 'DELETE', credentials: 'same-origin' });
      if (!response.ok && response.status !== 404) throw new Error(String(response.status));
      for (const item of this.querySelectorAll<HTMLElement>('[data-status]')) item.dataset.status = 'idle';
      for (const message of this.querySelectorAll('[data-message]')) message.textContent = '';
      writeProgress(slug, { done: 0, total: this.querySelectorAll('[data-exercise]').length });
      if (status) status.textContent = 'Progress reset.';
    } catch {
      if (status) status.textContent = 'Could not reset: is the lab-server running?';
    } finally {
      button.disabled = false;
    }
  }

  private refresh(): void {
    const exercises = [...this.querySelectorAll<HTMLElement>('[data-exercise]')];
    let done = 0;
    for (const exercise of exercises) {
      const statuses = [...exercise.querySelectorAll<HTMLElement>('[data-status]')];
      for (const status of statuses) {
        const text = status.querySelector('[data-status-text]');
        const value = status.dataset.status as Status;
        if (text && STATUS_TEXT[value] && text.textContent !== STATUS_TEXT[value]) text.textContent = STATUS_TEXT[value];
      }
      const finished = statuses.length > 0 && statuses.every((status) => status.dataset.status === 'pass');
      exercise.toggleAttribute('data-done', finished);
      if (finished) done++;
    }
    const slug = this.getAttribute('lesson');
    if (!slug) return;
    // Completion sticks: checks arriving one by one must not lower what the server or an earlier visit recorded.
    const before = Number(readProgress()[slug]?.done) || 0;
    writeProgress(slug, { done: Math.max(before, done), total: exercises.length });
  }
}

customElements.define('bulkhead-exercises', ExerciseList);

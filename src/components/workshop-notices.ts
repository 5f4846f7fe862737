/**
 * <bulkhead-workshop-notices>: what a workshop says to the learner on a lesson page. The lab terminal
 * dispatches the server's control messages on `document`:
 *   `bulkhead:broadcast` detail {type:'broadcast', message, from}: a message from the instructor;
 *   `bulkhead:watched`   detail {type:'watched', watchers, by}: someone watches the terminal, read-only.
 * On load it also shows the workshop's latest broadcast once (from /api/workshop/me), for a learner
 * who opened the page after it was sent. Both parts are live regions that stay in the page and are
 * simply empty (taking no space) when there is nothing to say, so screen readers announce new content.
 */
import { api, type LearnerView } from './workshop-api.ts';

const SEEN_KEY = 'bulkhead-workshop-seen-broadcast';
const STYLE_ID = 'bulkhead-workshop-notices-style';
const CSS = `
bulkhead-workshop-notices { display: block; }
.ws-broadcast:not(:empty), .ws-watched:not(:empty) {
  margin: 0 0 0.75rem; padding: 0.6rem 0.8rem; border: 1px solid var(--warn-border); border-radius: var(--radius-small);
  background: var(--warn-bg); color: var(--text); font-size: 0.925rem;
}
.ws-watched:not(:empty) { border-color: var(--accent); background: var(--accent-bg); }
.ws-broadcast p { margin: 0.25rem 0 0.5rem; white-space: pre-wrap; }
`;

class WorkshopNotices extends HTMLElement {
  private readonly message = document.createElement('div');
  private readonly watched = document.createElement('p');
  private readonly onBroadcast = (event: Event) => {
    const detail = (event as CustomEvent<{ message?: unknown; from?: unknown }>).detail;
    if (typeof detail?.message === 'string') this.showMessage(detail.message, typeof detail.from === 'string' ? detail.from : '', Date.now());
  };
  private readonly onWatched = (event: Event) => {
    const detail = (event as CustomEvent<{ watchers?: unknown; by?: unknown }>).detail;
    const count = typeof detail?.watchers === 'number' ? detail.watchers : 0;
    const by = typeof detail?.by === 'string' && detail.by ? detail.by : 'Your instructor';
    this.watched.textContent = count > 0 ? `${by} is watching your terminal: they see what you type but cannot type in it.` : '';
  };

  connectedCallback(): void {
    if (this.childElementCount) return;
    if (!document.getElementById(STYLE_ID)) {
      const style = document.createElement('style');
      style.id = STYLE_ID;
      style.textContent = CSS;
      document.head.append(style);
    }
    this.message.className = 'ws-broadcast';
    this.message.setAttribute('role', 'status');
    this.watched.className = 'ws-watched';
    this.watched.setAttribute('role', 'status');
    this.append(this.message, this.watched);
    document.addEventListener('bulkhead:broadcast', this.onBroadcast);
    document.addEventListener('bulkhead:watched', this.onWatched);
    void this.latest();
  }

  disconnectedCallback(): void {
    document.removeEventListener('bulkhead:broadcast', this.onBroadcast);
    document.removeEventListener('bulkhead:watched', this.onWatched);
  }

  private async latest(): Promise<void> {
    try {
      const me = await api<LearnerView | { workshop: null }>('/api/workshop/me');
      const broadcast = me.workshop ? (me as LearnerView).broadcast : undefined;
      if (broadcast && this.seen() < broadcast.at) this.showMessage(broadcast.message, me.workshop?.title ?? '', broadcast.at);
    } catch {
      // Reading mode or not in a workshop: nothing to show.
    }
  }

  private seen(): number {
    try {
      return Number(sessionStorage.getItem(SEEN_KEY)) || 0;
    } catch {
      return 0;
    }
  }

  private showMessage(text: string, from: string, at: number): void {
    try {
      sessionStorage.setItem(SEEN_KEY, String(Math.max(at, this.seen())));
    } catch {
      // Shown again on the next page: harmless.
    }
    const title = document.createElement('strong');
    title.textContent = from ? `Message from your instructor (${from})` : 'Message from your instructor';
    const body = document.createElement('p');
    body.textContent = text;
    const close = document.createElement('button');
    close.type = 'button';
    close.className = 'button';
    close.textContent = 'Dismiss';
    close.addEventListener('click', () => this.message.replaceChildren());
    this.message.replaceChildren(title, body, close);
  }
}

if (!customElements.get('bulkhead-workshop-notices')) customElements.define('bulkhead-workshop-notices', WorkshopNotices);

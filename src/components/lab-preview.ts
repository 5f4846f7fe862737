/**
 * <bulkhead-preview lab="slug" preview-port="3000">: the lab pane's list of ports listening in the
 * learner's lab, each with an "Open preview" link (a new tab, on the preview's own origin). It asks
 * lab-server again every few seconds while the lab runs and the list is on screen, and at once when the
 * terminal's state changes. The lesson's own port (`preview-port`) is marked, and offered even before
 * anything listens on it. Self-contained on purpose: no imports, so tests can load it as it is.
 */
const REFRESH_MS = 5_000;

interface PortEntry {
  port: number;
  container: string;
  reachable: boolean;
  open: string;
}

interface Listing {
  running: boolean;
  previewPort: number | null;
  ports: PortEntry[];
  previewOpen?: string;
  error?: string;
}

class BulkheadPreview extends HTMLElement {
  private readonly status = document.createElement('p');
  private readonly list = document.createElement('ul');
  private timer?: number;
  private onScreen = false;
  private running = false;
  private observer?: IntersectionObserver;
  private readonly onVisibility = () => this.schedule(0);
  private readonly onLabState = () => this.schedule(0);

  connectedCallback(): void {
    if (!this.childElementCount) {
      const heading = document.createElement('h3');
      heading.textContent = 'Preview';
      this.status.className = 'lab-preview-status';
      this.status.setAttribute('aria-live', 'polite');
      this.list.className = 'lab-preview-ports';
      this.list.setAttribute('aria-label', 'Ports listening in your lab');
      this.append(heading, this.status, this.list);
      this.status.textContent = 'Start the lab; the web apps you run in it show here.';
    }
    document.addEventListener('visibilitychange', this.onVisibility);
    document.addEventListener('bulkhead:lab-state', this.onLabState);
    this.observer = new IntersectionObserver((entries) => {
      this.onScreen = entries.some((e) => e.isIntersecting);
      if (this.onScreen) this.schedule(0);
    });
    this.observer.observe(this);
    this.schedule(0);
  }

  disconnectedCallback(): void {
    document.removeEventListener('visibilitychange', this.onVisibility);
    document.removeEventListener('bulkhead:lab-state', this.onLabState);
    this.observer?.disconnect();
    window.clearTimeout(this.timer);
  }

  private get lessonPort(): number | undefined {
    const port = Number(this.getAttribute('preview-port'));
    return Number.isInteger(port) && port > 0 ? port : undefined;
  }

  private schedule(delayMs: number): void {
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => void this.refresh(), delayMs);
  }

  private async refresh(): Promise<void> {
    if (document.visibilityState !== 'visible' || !this.onScreen) return;
    try {
      const response = await fetch(`/api/preview?lab=${encodeURIComponent(this.getAttribute('lab') ?? '')}`, { credentials: 'same-origin', cache: 'no-store' });
      if (!response.ok) throw new Error(String(response.status));
      this.render((await response.json()) as Listing);
    } catch {
      // Reading mode (no lab-server), or a blip while the lab runs: say so, keep the last list, try again.
      this.status.textContent = 'Previews need a running lab-server.';
    }
    if (this.running) this.schedule(REFRESH_MS);
  }

  private render(listing: Listing): void {
    this.running = listing.running;
    const lessonPort = this.lessonPort ?? listing.previewPort ?? undefined;
    const entries = [...listing.ports];
    if (listing.running && lessonPort && listing.previewOpen && !entries.some((p) => p.port === lessonPort)) {
      entries.unshift({ port: lessonPort, container: '', reachable: true, open: listing.previewOpen });
    }
    this.status.textContent = !listing.running
      ? 'Start the lab; the web apps you run in it show here.'
      : listing.error ?? (listing.ports.length ? '' : 'Nothing listens in your lab yet.');
    this.list.replaceChildren(...entries.map((entry) => this.item(entry, entry.port === lessonPort)));
  }

  private item(entry: PortEntry, isLessonPort: boolean): HTMLLIElement {
    const li = document.createElement('li');
    li.dataset.port = String(entry.port);
    const port = document.createElement('code');
    port.textContent = String(entry.port);
    li.append(port, ` ${entry.container || 'not listening yet'} `);
    if (isLessonPort) {
      const mark = document.createElement('mark');
      mark.textContent = 'this lesson\'s app';
      li.dataset.lessonPort = '';
      li.append(mark, ' ');
    }
    if (!entry.reachable) {
      const note = document.createElement('small');
      note.textContent = 'listens on 127.0.0.1 only: make it listen on 0.0.0.0 to preview it';
      li.append(note);
      return li;
    }
    const link = document.createElement('a');
    link.href = entry.open;
    link.target = '_blank';
    link.rel = 'noopener';
    link.textContent = 'Open preview';
    link.setAttribute('aria-label', `Open preview of port ${entry.port}${entry.container ? ` (${entry.container})` : ''}`);
    li.append(link);
    return li;
  }
}

if (!customElements.get('bulkhead-preview')) customElements.define('bulkhead-preview', BulkheadPreview);

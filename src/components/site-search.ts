/**
 * <bulkhead-search>: opens its <dialog> from the button, "/" or Ctrl/⌘+K, and queries the Pagefind
 * index, which it imports only on first open. Enter goes to the first result.
 */
interface PagefindSubResult { title: string; url: string; excerpt: string }
interface PagefindData { url: string; excerpt: string; meta: { title?: string }; sub_results?: PagefindSubResult[] }
interface Pagefind {
  options(options: { baseUrl?: string; excerptLength?: number }): Promise<void>;
  debouncedSearch(query: string, options?: object, ms?: number): Promise<{ results: { data(): Promise<PagefindData> }[] } | null>;
}

const MAX_RESULTS = 8;
const MAX_SECTIONS = 3;
const DEBOUNCE_MS = 150;

/** Keys typed into a field or the lab terminal belong to it: Ctrl+K is "kill line" in a shell. */
function ownsKeys(target: EventTarget | null): boolean {
  return target instanceof Element && (target.closest('input, textarea, select, [contenteditable=""], [contenteditable="true"], bulkhead-lab') !== null);
}

export class SiteSearch extends HTMLElement {
  private pagefind?: Promise<Pagefind | undefined>;
  private readonly dialog = this.querySelector('dialog')!;
  private readonly input = this.querySelector('input')!;
  private readonly status = this.querySelector('[role="status"]')!;
  private readonly list = this.querySelector('ol')!;

  connectedCallback(): void {
    this.querySelector('.search-open')?.addEventListener('click', () => this.open());
    this.querySelector('[data-close]')?.addEventListener('click', () => this.dialog.close());
    this.dialog.addEventListener('click', (event) => {
      if (event.target === this.dialog) this.dialog.close();
    });
    this.input.addEventListener('input', () => void this.search(this.input.value));
    // A search field eats the first Escape to clear itself; one press should close the dialog.
    this.input.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.preventDefault();
        this.dialog.close();
      }
    });
    this.querySelector('form')?.addEventListener('submit', (event) => {
      event.preventDefault();
      this.list.querySelector('a')?.click();
    });
    document.addEventListener('keydown', (event) => {
      const slash = event.key === '/' && !event.ctrlKey && !event.metaKey && !event.altKey;
      const ctrlK = event.key.toLowerCase() === 'k' && (event.ctrlKey || event.metaKey) && !event.altKey;
      if ((slash || ctrlK) && !this.dialog.open && !ownsKeys(event.target)) {
        event.preventDefault();
        this.open();
      }
    });
  }

  private open(): void {
    this.dialog.showModal();
    this.input.select();
    this.pagefind ??= this.load();
  }

  /** The index, imported once; undefined (with a message) where it was never built, as under `astro dev`. */
  private async load(): Promise<Pagefind | undefined> {
    const bundle = this.dataset.bundle ?? '/pagefind/';
    const url = new URL('pagefind.js', new URL(bundle, location.href)).href;
    try {
      const pagefind = (await import(/* @vite-ignore */ url)) as Pagefind;
      await pagefind.options({ baseUrl: bundle.replace(/pagefind\/$/, ''), excerptLength: 24 });
      return pagefind;
    } catch {
      this.status.textContent = 'Search is not built yet: it works on the built site (npm run build, then npm start).';
      return undefined;
    }
  }

  private async search(query: string): Promise<void> {
    const pagefind = await (this.pagefind ??= this.load());
    if (!pagefind) return;
    if (!query.trim()) {
      this.list.replaceChildren();
      this.status.textContent = '';
      return;
    }
    const found = await pagefind.debouncedSearch(query, {}, DEBOUNCE_MS);
    if (!found) return; // A newer query superseded this one.
    const results = await Promise.all(found.results.slice(0, MAX_RESULTS).map((result) => result.data()));
    if (query !== this.input.value) return;
    this.list.replaceChildren(...results.map((data) => this.item(data)));
    this.status.textContent = results.length ? `${found.results.length} ${found.results.length === 1 ? 'lesson' : 'lessons'} found` : `Nothing found for “${query}”.`;
  }

  private item(data: PagefindData): HTMLLIElement {
    const li = document.createElement('li');
    li.append(this.link(data.url, data.meta.title ?? data.url, data.excerpt));
    const sections = (data.sub_results ?? []).filter((sub) => sub.url !== data.url).slice(0, MAX_SECTIONS);
    if (sections.length) {
      const nested = document.createElement('ul');
      nested.className = 'result-sections';
      for (const sub of sections) {
        const subItem = document.createElement('li');
        subItem.append(this.link(sub.url, sub.title));
        nested.append(subItem);
      }
      li.append(nested);
    }
    return li;
  }

  private link(url: string, title: string, excerpt?: string): HTMLAnchorElement {
    const a = document.createElement('a');
    a.href = url;
    const heading = document.createElement('span');
    heading.className = 'result-title';
    heading.textContent = title;
    a.append(heading);
    if (excerpt) {
      // Pagefind escapes the page text and adds only <mark>; rebuild it from text to be sure.
      const text = document.createElement('span');
      text.className = 'result-excerpt';
      for (const [i, part] of excerpt.split(/<\/?mark>/).entries()) {
        const node = i % 2 ? document.createElement('mark') : document.createTextNode('');
        node.textContent = part.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" })[e] ?? '');
        text.append(node);
      }
      a.append(text);
    }
    return a;
  }
}

customElements.define('bulkhead-search', SiteSearch);

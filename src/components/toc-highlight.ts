/**
 * <bulkhead-toc>: marks the table-of-contents link of the section being read with aria-current="true".
 * The current section is the last heading above the top third of the viewport. Targets in a pane that
 * stays put while the page scrolls (the lab beside the lesson) are never "passed", so they are skipped.
 */
function inStickyPane(target: HTMLElement): boolean {
  for (let el = target.parentElement; el; el = el.parentElement) {
    if (getComputedStyle(el).position === 'sticky') return true;
  }
  return false;
}

export class TocHighlight extends HTMLElement {
  private links: HTMLAnchorElement[] = [];
  private targets: HTMLElement[] = [];
  private inFlow: HTMLElement[] = [];
  private queued = false;

  connectedCallback(): void {
    this.links = [...this.querySelectorAll<HTMLAnchorElement>('a[href^="#"]')];
    this.targets = this.links
      .map((link) => document.getElementById(decodeURIComponent(link.hash.slice(1))))
      .filter((el): el is HTMLElement => el !== null);
    addEventListener('scroll', () => this.queue(), { passive: true });
    addEventListener('resize', () => this.queue(true), { passive: true });
    this.queue(true);
  }

  private queue(layoutChanged = false): void {
    if (layoutChanged) this.inFlow = [];
    if (this.queued) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      if (!this.inFlow.length) this.inFlow = this.targets.filter((target) => !inStickyPane(target));
      this.update();
    });
  }

  private update(): void {
    const line = innerHeight / 3;
    let current: HTMLElement | undefined;
    for (const target of this.inFlow) {
      if (target.getBoundingClientRect().top > line) break;
      current = target;
    }
    for (const link of this.links) {
      if (current && link.hash === `#${current.id}`) link.setAttribute('aria-current', 'true');
      else link.removeAttribute('aria-current');
    }
  }
}

customElements.define('bulkhead-toc', TocHighlight);

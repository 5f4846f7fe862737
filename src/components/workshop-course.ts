/**
 * <bulkhead-workshop-course>: for a learner in a workshop, the course is the workshop's lessons. On a
 * lesson page it hides the other lessons in the course outline (`nav.outline`), points the previous and
 * next links (`a[rel=prev|next]`) along the workshop's order, and names the workshop above the outline.
 * Outside a workshop, or without a lab-server, it does nothing.
 */
import { lessonHref } from '../lib/navigation.ts';
import { api, type LearnerView } from './workshop-api.ts';

class WorkshopCourse extends HTMLElement {
  connectedCallback(): void {
    void this.apply();
  }

  private async apply(): Promise<void> {
    let me: LearnerView | { workshop: null };
    try {
      me = await api<LearnerView | { workshop: null }>('/api/workshop/me');
    } catch {
      return;
    }
    if (!me.workshop) return;
    const { workshop } = me as LearnerView;
    const base = import.meta.env.BASE_URL;
    const slugs = workshop.lessons.map((l) => l.slug);
    const slugOf = (href: string) => /\/lessons\/([a-z0-9-]+)\/?$/.exec(new URL(href, location.href).pathname)?.[1];
    const outline = document.querySelector('nav.outline');
    for (const link of outline?.querySelectorAll<HTMLAnchorElement>('a[href]') ?? []) {
      const slug = slugOf(link.href);
      const item = link.closest('li');
      if (slug && item && !slugs.includes(slug)) item.hidden = true;
    }
    if (outline && !outline.querySelector('.ws-course-note')) {
      const note = document.createElement('p');
      note.className = 'ws-course-note';
      const link = document.createElement('a');
      link.href = `${base.endsWith('/') ? base : `${base}/`}workshop/`;
      link.textContent = workshop.title;
      note.append('Workshop: ', link);
      note.style.cssText = 'margin: 0 0 0.5rem; padding: 0 0.6rem; font-size: 0.85rem;';
      outline.querySelector('h2')?.after(note);
    }
    const here = slugOf(location.href);
    const at = here ? slugs.indexOf(here) : -1;
    if (at < 0) return;
    const neighbours = { prev: workshop.lessons[at - 1], next: workshop.lessons[at + 1] };
    for (const rel of ['prev', 'next'] as const) {
      const link = document.querySelector<HTMLAnchorElement>(`a[rel="${rel}"]`);
      const target = neighbours[rel];
      if (!link) continue;
      if (!target) {
        link.hidden = true;
        continue;
      }
      link.href = lessonHref(target.slug, base);
      const name = link.querySelector('.name');
      if (name) name.textContent = target.navTitle;
    }
  }
}

if (!customElements.get('bulkhead-workshop-course')) customElements.define('bulkhead-workshop-course', WorkshopCourse);

/**
 * The course's order and links, computed from lesson file ids (`01-compose`, `02-images`…).
 * Pure functions: no Astro imports, so pages, lab-server and tests share one definition.
 */

/** What navigation needs from a lesson: its file id (without extension) and a little frontmatter. */
export interface LessonEntry {
  id: string;
  data: LessonNavData;
}

export interface LessonNavData {
  title: string;
  navTitle: string;
  minutes: number;
  exercises?: readonly unknown[];
}

/** A lesson entry (any shape, e.g. an Astro collection entry) with its place in the course. */
export type OrderedLesson<Entry extends LessonEntry = LessonEntry> = Entry & {
  /** Position in the course, from the file name's two-digit prefix. */
  number: number;
  /** URL segment: the id without its `NN-` prefix. */
  slug: string;
};

export interface LessonLink {
  slug: string;
  href: string;
  navTitle: string;
  title: string;
}

export interface OutlineEntry extends LessonLink {
  number: number;
  minutes: number;
  exercises: number;
  current: boolean;
}

export interface Heading {
  depth: number;
  slug: string;
  text: string;
}

export interface TocEntry {
  slug: string;
  text: string;
  children: TocEntry[];
}

export class NavigationError extends Error {
  readonly code = 'NAVIGATION';
}

const ID_PATTERN = /^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)$/;

function parseId(id: string): { number: number; slug: string } {
  const match = ID_PATTERN.exec(id);
  if (!match) {
    throw new NavigationError(`Lesson "${id}": name the file NN-slug.mdx (two digits, a dash, lower-case words joined by dashes), e.g. 03-capabilities.mdx.`);
  }
  return { number: Number(match[1]), slug: match[2] };
}

/** `03-capabilities` → `capabilities`. */
export function slugFromId(id: string): string {
  return parseId(id).slug;
}

/** The URL of a lesson page, under the site's base path. */
export function lessonHref(slug: string, base = '/'): string {
  return `${base.endsWith('/') ? base : `${base}/`}lessons/${slug}/`;
}

/** Lessons in course order; two lessons with one number or one slug are an authoring mistake, so they throw. */
export function orderLessons<Entry extends LessonEntry>(lessons: readonly Entry[]): OrderedLesson<Entry>[] {
  const ordered = lessons.map((lesson) => ({ ...lesson, ...parseId(lesson.id) })).sort((a, b) => a.number - b.number);
  for (let i = 1; i < ordered.length; i++) {
    const [before, here] = [ordered[i - 1], ordered[i]];
    if (before.number === here.number) {
      throw new NavigationError(`Lessons "${before.id}" and "${here.id}" share the number ${String(here.number).padStart(2, '0')}: give each lesson its own number.`);
    }
  }
  const slugs = new Map<string, string>();
  for (const lesson of ordered) {
    const other = slugs.get(lesson.slug);
    if (other) throw new NavigationError(`Lessons "${other}" and "${lesson.id}" would share the URL /lessons/${lesson.slug}/: rename one.`);
    slugs.set(lesson.slug, lesson.id);
  }
  return ordered;
}

function toLink(lesson: OrderedLesson, base: string): LessonLink {
  return { slug: lesson.slug, href: lessonHref(lesson.slug, base), navTitle: lesson.data.navTitle, title: lesson.data.title };
}

/** The lessons before and after `slug` in course order; `undefined` at either end. */
export function neighbours(ordered: readonly OrderedLesson[], slug: string, base = '/'): { prev?: LessonLink; next?: LessonLink } {
  const at = ordered.findIndex((lesson) => lesson.slug === slug);
  if (at === -1) throw new NavigationError(`No lesson with the slug "${slug}".`);
  const prev = ordered[at - 1];
  const next = ordered[at + 1];
  return { prev: prev && toLink(prev, base), next: next && toLink(next, base) };
}

/** One entry per lesson for the course outline, marking the current one. */
export function outline(ordered: readonly OrderedLesson[], currentSlug?: string, base = '/'): OutlineEntry[] {
  return ordered.map((lesson) => ({
    ...toLink(lesson, base),
    number: lesson.number,
    minutes: lesson.data.minutes,
    exercises: lesson.data.exercises?.length ?? 0,
    current: lesson.slug === currentSlug,
  }));
}

/** The h2/h3 headings of a lesson as a two-level table of contents; an h3 before any h2 stands on its own. */
export function tableOfContents(headings: readonly Heading[]): TocEntry[] {
  const toc: TocEntry[] = [];
  for (const heading of headings) {
    const entry = { slug: heading.slug, text: heading.text, children: [] };
    if (heading.depth === 2) toc.push(entry);
    else if (heading.depth === 3) (toc.at(-1)?.children ?? toc).push(entry);
  }
  return toc;
}

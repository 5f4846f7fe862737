import { describe, it, expect } from 'vitest';
import {
  NavigationError, lessonHref, neighbours, orderLessons, outline, slugFromId, tableOfContents,
} from '../../src/lib/navigation.ts';

const lesson = (id: string, navTitle = id, exercises = 0) => ({
  id,
  data: { title: `Lesson ${navTitle}`, navTitle, minutes: 10, exercises: Array.from({ length: exercises }) },
});

describe('slugFromId', () => {
  it('drops the two-digit prefix', () => {
    expect(slugFromId('03-capabilities')).toBe('capabilities');
    expect(slugFromId('11-read-only-rootfs')).toBe('read-only-rootfs');
  });

  it('rejects an id without a two-digit prefix, naming the file pattern', () => {
    expect(() => slugFromId('capabilities')).toThrow(/NN-slug\.mdx/);
    expect(() => slugFromId('3-capabilities')).toThrow(NavigationError);
    expect(() => slugFromId('03-Capabilities')).toThrow(NavigationError);
  });
});

describe('orderLessons', () => {
  it('orders by the number, not by the order the loader returns', () => {
    const ordered = orderLessons([lesson('10-secrets'), lesson('02-images'), lesson('01-compose')]);
    expect(ordered.map((l) => l.slug)).toEqual(['compose', 'images', 'secrets']);
    expect(ordered.map((l) => l.number)).toEqual([1, 2, 10]);
  });

  it('rejects two lessons with one number, naming both files', () => {
    expect(() => orderLessons([lesson('01-compose'), lesson('02-images'), lesson('02-networks')]))
      .toThrow(/"02-images" and "02-networks" share the number 02/);
  });

  it('rejects two lessons that would share a URL', () => {
    expect(() => orderLessons([lesson('01-compose'), lesson('02-compose')])).toThrow(/\/lessons\/compose\//);
  });

  it('returns an empty course for no lessons', () => {
    expect(orderLessons([])).toEqual([]);
  });
});

describe('neighbours', () => {
  const course = orderLessons([lesson('01-compose', 'Compose'), lesson('02-images', 'Images'), lesson('03-users', 'Users')]);

  it('has no previous lesson at the start', () => {
    const { prev, next } = neighbours(course, 'compose');
    expect(prev).toBeUndefined();
    expect(next).toMatchObject({ slug: 'images', href: '/lessons/images/', navTitle: 'Images' });
  });

  it('links both ways in the middle', () => {
    const { prev, next } = neighbours(course, 'images');
    expect(prev?.slug).toBe('compose');
    expect(next?.slug).toBe('users');
  });

  it('has no next lesson at the end', () => {
    const { prev, next } = neighbours(course, 'users');
    expect(prev?.slug).toBe('images');
    expect(next).toBeUndefined();
  });

  it('honours a base path', () => {
    expect(neighbours(course, 'compose', '/course').next?.href).toBe('/course/lessons/images/');
  });

  it('throws for an unknown slug', () => {
    expect(() => neighbours(course, 'nope')).toThrow(/"nope"/);
  });
});

describe('outline', () => {
  it('lists every lesson in order and marks only the current one', () => {
    const entries = outline(orderLessons([lesson('02-images', 'Images', 2), lesson('01-compose', 'Compose')]), 'images');
    expect(entries.map((e) => [e.number, e.navTitle, e.current, e.exercises])).toEqual([
      [1, 'Compose', false, 0],
      [2, 'Images', true, 2],
    ]);
  });

  it('marks nothing current on pages outside the course', () => {
    expect(outline(orderLessons([lesson('01-compose')])).some((e) => e.current)).toBe(false);
  });
});

describe('lessonHref', () => {
  it('joins base and slug with exactly one slash', () => {
    expect(lessonHref('images')).toBe('/lessons/images/');
    expect(lessonHref('images', '/course/')).toBe('/course/lessons/images/');
  });
});

describe('tableOfContents', () => {
  it('nests h3 under the h2 before it and leaves out other depths', () => {
    const toc = tableOfContents([
      { depth: 3, slug: 'intro', text: 'Intro' },
      { depth: 2, slug: 'why', text: 'Why' },
      { depth: 3, slug: 'details', text: 'Details' },
      { depth: 4, slug: 'deep', text: 'Deep' },
      { depth: 2, slug: 'how', text: 'How' },
    ]);
    expect(toc).toEqual([
      { slug: 'intro', text: 'Intro', children: [] },
      { slug: 'why', text: 'Why', children: [{ slug: 'details', text: 'Details', children: [] }] },
      { slug: 'how', text: 'How', children: [] },
    ]);
  });
});

import { defineCollection } from 'astro:content';
import { glob } from 'astro/loaders';
import { lessonSchema } from './lib/lesson-schema.ts';

/** The course: content/NN-slug.mdx, ordered by the number in the file name. */
const lessons = defineCollection({
  loader: glob({ pattern: '[0-9][0-9]-*.mdx', base: './content' }),
  schema: lessonSchema,
});

export const collections = { lessons };

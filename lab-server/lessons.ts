/**
 * Reads the course from content/ for lab-server and tools: the same files and the same schema as the
 * Astro build, so a lesson the site accepts is a lesson the server accepts, and a broken one fails both
 * with the file and the field named.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { lessonSchema, type Lesson } from '../src/lib/lesson-schema.ts';
import { LabError } from './errors.ts';

export const LESSON_FILE_PATTERN = /^(\d\d)-([a-z0-9-]+)\.mdx$/;

export interface LoadedLesson extends Lesson {
  /** URL slug and lab id: the file name without its number and extension. */
  slug: string;
  /** Position in the course, from the file name. */
  order: number;
  file: string;
}

export class ContentError extends LabError {
  readonly problems: string[];
  constructor(problems: string[]) {
    super('CONTENT_INVALID', `The course content has ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

/** `exercises.2.criteria.0.script` reads better than a JSON path for an author looking at YAML. */
function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  return path.length ? path.map(String).join('.') : '(frontmatter)';
}

export function parseFrontmatter(source: string, file: string): unknown {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(source);
  if (!match) throw new ContentError([`${file}: no frontmatter block (--- ... ---) at the top`]);
  try {
    return parseYaml(match[1] ?? '', { uniqueKeys: true });
  } catch (error) {
    throw new ContentError([`${file}: frontmatter is not valid YAML: ${(error as Error).message}`]);
  }
}

/** Validates one lesson's frontmatter; returns the lesson or the list of problems, each naming file and field. */
export function validateLesson(data: unknown, file: string): { lesson?: Lesson; problems: string[] } {
  const result = lessonSchema.safeParse(data);
  if (result.success) return { lesson: result.data, problems: [] };
  return { problems: result.error.issues.map((issue) => `${file}: ${fieldPath(issue.path)}: ${issue.message}`) };
}

export async function loadLessons(contentDir: string): Promise<LoadedLesson[]> {
  const names = (await readdir(contentDir)).filter((name) => name.endsWith('.mdx')).sort();
  const problems: string[] = [];
  const lessons: LoadedLesson[] = [];
  const slugs = new Map<string, string>();
  for (const name of names) {
    const match = LESSON_FILE_PATTERN.exec(name);
    if (!match) {
      problems.push(`${name}: lesson files are named NN-slug.mdx (two digits, a dash, lower-case words)`);
      continue;
    }
    const slug = match[2] as string;
    if (slugs.has(slug)) problems.push(`${name}: slug "${slug}" is also used by ${slugs.get(slug)}`);
    slugs.set(slug, name);
    let data: unknown;
    try {
      data = parseFrontmatter(await readFile(join(contentDir, name), 'utf8'), name);
    } catch (error) {
      if (error instanceof ContentError) { problems.push(...error.problems); continue; }
      throw error;
    }
    const { lesson, problems: found } = validateLesson(data, name);
    problems.push(...found);
    if (lesson) lessons.push({ ...lesson, slug, order: Number(match[1]), file: name });
  }
  if (problems.length) throw new ContentError(problems);
  return lessons;
}

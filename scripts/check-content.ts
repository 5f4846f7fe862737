/** `npm run check-content`: validates every lesson's frontmatter and prints a line per lesson. */
import { fileURLToPath } from 'node:url';
import { ContentError, loadLessons } from '../lab-server/lessons.ts';

const contentDir = fileURLToPath(new URL('../content/', import.meta.url));
try {
  const lessons = await loadLessons(contentDir);
  for (const lesson of lessons) {
    const criteria = lesson.exercises.reduce((n, e) => n + e.criteria.length, 0);
    const attempts = lesson.exercises.reduce((n, e) => n + (e.wrongAttempts?.length ?? 0), 0);
    // Exercises with no wrong attempt are the ones whose feedback for a mistake is still unproven.
    const unproven = lesson.exercises.filter((e) => !e.wrongAttempts?.length).map((e) => e.id);
    console.log(`ok  ${lesson.file.padEnd(28)} ${String(lesson.exercises.length).padStart(2)} exercises, ${String(criteria).padStart(2)} criteria, ${String(attempts).padStart(2)} wrong attempts${unproven.length ? ` (none yet: ${unproven.join(', ')})` : ''}`);
  }
  console.log(`${lessons.length} lessons valid`);
} catch (error) {
  if (!(error instanceof ContentError)) throw error;
  console.error(error.message);
  process.exitCode = 1;
}

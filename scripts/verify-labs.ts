/**
 * `npm run verify-labs [-- LAB ...]`: for every lab (or the ones named), in a fresh sandbox made exactly
 * as a learner gets it, asserts that every check fails, that each listed wrong attempt fails its criterion
 * with its message, and that every check passes after each hidden solution. One line per exercise (with
 * the wrong attempts it proved), then `N passed, N failed`. Exit 1 when anything failed.
 */
import { loadConfig } from '../lab-server/config.ts';
import { LabError } from '../lab-server/errors.ts';
import { imageRefs } from '../lab-server/images.ts';
import { loadLessons, type LoadedLesson } from '../lab-server/lessons.ts';
import { verifyLab, type ExerciseVerdict } from '../lab-server/checks/verify-labs.ts';
import { runtimeFromConfig } from '../lab-server/runtime/docker-runtime.ts';
import { openLabSandbox } from '../lab-server/lab-sandbox.ts';

/** Labs verified side by side (each has its own sandbox and gate): 2, or VERIFY_LABS_PARALLEL. */
function parallelLabs(value: string | undefined): number {
  if (value === undefined || value === '') return 2;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 11) throw new LabError('USAGE', `VERIFY_LABS_PARALLEL must be a whole number from 1 to 11, not "${value}".`);
  return n;
}

async function main(only: string[]): Promise<number> {
  const parallel = parallelLabs(process.env.VERIFY_LABS_PARALLEL);
  const config = loadConfig();
  const lessons = (await loadLessons(config.CONTENT_DIR)).filter((l) => l.lab && l.exercises.length);
  const unknown = only.filter((slug) => !lessons.some((l) => l.slug === slug));
  if (unknown.length) throw new LabError('USAGE', `No lab with exercises called ${unknown.join(', ')}. Labs: ${lessons.map((l) => l.slug).join(', ')}`);
  const selected = only.length ? lessons.filter((l) => only.includes(l.slug)) : lessons;
  const instance = `verify-${process.pid}`;
  const runtime = runtimeFromConfig(config, { instance });
  await runtime.ping();
  const image = (await imageRefs('shell')).hashTag;
  if (!(await runtime.hasImage(image))) throw new LabError('IMAGE_MISSING', `The lab image ${image} is not built: run \`npm run images\` first.`);
  const started = Date.now();
  const verdicts: ExerciseVerdict[] = [];
  const queue = [...selected];
  const work = async (lesson: LoadedLesson) => {
    const sandbox = await openLabSandbox({ runtime, config, instance, lesson, image });
    try {
      for (const verdict of await verifyLab(runtime, sandbox.handle, lesson)) {
        verdicts.push(verdict);
        const line = `${verdict.ok ? 'PASS' : 'FAIL'}  ${`${verdict.lab}/${verdict.exercise}`.padEnd(44)} ${String(verdict.attempts).padStart(2)} wrong attempts  ${(verdict.ms / 1000).toFixed(1)}s`;
        console.log(line);
        for (const problem of verdict.problems) console.log(`      ${problem}`);
      }
    } catch (error) {
      verdicts.push({ lab: lesson.slug, exercise: '(lab)', ok: false, problems: [String(error)], attempts: 0, ms: 0 });
      console.log(`FAIL  ${lesson.slug}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      await sandbox.close().catch((error: unknown) => {
        verdicts.push({ lab: lesson.slug, exercise: '(cleanup)', ok: false, problems: [String(error)], attempts: 0, ms: 0 });
        console.log(`FAIL  ${lesson.slug}: cleaning up its sandbox failed: ${error instanceof Error ? error.message : String(error)}`);
      });
    }
  };
  try {
    await Promise.all(Array.from({ length: parallel }, async () => {
      for (let lesson = queue.shift(); lesson; lesson = queue.shift()) await work(lesson);
    }));
  } finally {
    await runtime.removeAll();
  }
  const failed = verdicts.filter((v) => !v.ok).length;
  const attempts = verdicts.reduce((n, v) => n + v.attempts, 0);
  console.log(`${verdicts.length - failed} passed, ${failed} failed, ${attempts} wrong attempts proven (${selected.length} labs, ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  return failed ? 1 : 0;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  console.error(error instanceof LabError ? error.message : error);
  process.exitCode = 1;
}

/**
 * Proves the course's exercises: for each lab, in a fresh sandbox every criterion must fail; then each
 * exercise's hidden solution runs as the learner and every criterion must pass. Solutions answer `answer`
 * criteria by printing the answers as their last output lines, in the order the criteria are declared.
 */
import type { Exercise } from '../../src/lib/lesson-schema.ts';
import type { CriterionResult } from '../../src/lib/protocol.ts';
import type { LoadedLesson } from '../lessons.ts';
import type { SandboxHandle, SandboxRuntime } from '../runtime/sandbox-runtime.ts';
import { CheckAgent } from './agent.ts';
import { checkExercise } from './run-criterion.ts';

export const SOLUTION_TIMEOUT_MS = 180_000;

export interface ExerciseVerdict {
  lab: string;
  exercise: string;
  ok: boolean;
  /** What went wrong, one line each; empty when ok. */
  problems: string[];
  ms: number;
}

/** The answers a solution gave: its last non-empty output lines, one per answer criterion, in order. */
export function answersFromSolution(exercise: Exercise, stdout: string): Map<string, string> {
  const ids = exercise.criteria.filter((c) => c.kind === 'answer').map((c) => c.id);
  const lines = stdout.split('\n').map((l) => l.trim()).filter(Boolean).slice(-ids.length);
  return new Map(ids.length ? ids.map((id, i) => [`${exercise.id}/${id}`, lines[i] ?? '']) : []);
}

function describe(results: CriterionResult[], wanted: boolean): string[] {
  return results.filter((r) => r.passed !== wanted).map((r) => `${r.criterion} ${wanted ? 'fails after the solution' : 'passes on a fresh sandbox'}: ${r.message}`);
}

/** Verifies one lab in the sandbox given (fresh, made for this lab as a learner would get it). */
export async function verifyLab(runtime: SandboxRuntime, sandbox: SandboxHandle, lesson: LoadedLesson): Promise<ExerciseVerdict[]> {
  // The same path a learner's checks take: the sandbox's check agent.
  const agent = new CheckAgent(runtime, sandbox);
  try {
    return await verifyWith(agent, runtime, sandbox, lesson);
  } finally {
    agent.close();
  }
}

async function verifyWith(agent: CheckAgent, runtime: SandboxRuntime, sandbox: SandboxHandle, lesson: LoadedLesson): Promise<ExerciseVerdict[]> {
  const verdicts: ExerciseVerdict[] = [];
  const fresh = new Map<string, CriterionResult[]>();
  for (const exercise of lesson.exercises) {
    // Fresh answers too: a solution's answer must not be accepted before the work is done.
    fresh.set(exercise.id, await checkExercise(agent, exercise, new Map()));
  }
  for (const exercise of lesson.exercises) {
    const started = Date.now();
    const problems = describe(fresh.get(exercise.id) ?? [], false);
    const run = await runtime.exec(sandbox, ['bash', '-c', exercise.solution], { timeoutMs: SOLUTION_TIMEOUT_MS });
    if (run.timedOut) problems.push(`the solution ran longer than ${SOLUTION_TIMEOUT_MS / 1000} s`);
    else if (run.exitCode !== 0) problems.push(`the solution exited ${run.exitCode}: ${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' | ')}`);
    const solved = await checkExercise(agent, exercise, answersFromSolution(exercise, run.stdout));
    problems.push(...describe(solved, true));
    verdicts.push({ lab: lesson.slug, exercise: exercise.id, ok: problems.length === 0, problems, ms: Date.now() - started });
  }
  return verdicts;
}

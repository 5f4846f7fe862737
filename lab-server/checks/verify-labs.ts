/**
 * Proves the course's exercises three ways. In a fresh sandbox every criterion must fail. Then, exercise
 * by exercise: each plausible wrong attempt the lesson lists runs in a sandbox reset to the state the
 * previous exercises' solutions leave, and the criterion it names must fail with its specific message;
 * last, the exercise's hidden solution runs as the learner and every criterion must pass. Solutions answer
 * `answer` criteria by printing the answers as their last output lines, in the order the criteria are
 * declared; a wrong attempt's typed answer is its `answer`, or the last line its `run` prints.
 */
import type { Exercise, WrongAttempt } from '../../src/lib/lesson-schema.ts';
import type { CriterionResult } from '../../src/lib/protocol.ts';
import type { LoadedLesson } from '../lessons.ts';
import type { SandboxHandle, SandboxRuntime } from '../runtime/sandbox-runtime.ts';
import { CheckAgent } from './agent.ts';
import { checkExercise } from './run-criterion.ts';

export const SOLUTION_TIMEOUT_MS = 180_000;
const RESET_TIMEOUT_MS = 60_000;

export interface ExerciseVerdict {
  lab: string;
  exercise: string;
  ok: boolean;
  /** What went wrong, one line each; empty when ok. */
  problems: string[];
  /** Wrong attempts proven to fail with their message. */
  attempts: number;
  ms: number;
}

/** The answers a solution gave: its last non-empty output lines, one per answer criterion, in order. */
export function answersFromSolution(exercise: Exercise, stdout: string): Map<string, string> {
  const ids = exercise.criteria.filter((c) => c.kind === 'answer').map((c) => c.id);
  const lines = stdout.split('\n').map((l) => l.trim()).filter(Boolean).slice(-ids.length);
  return new Map(ids.length ? ids.map((id, i) => [`${exercise.id}/${id}`, lines[i] ?? '']) : []);
}

/** The typed answer of a wrong attempt: its `answer`, else the last line its `run` printed. */
export function answerOfAttempt(exercise: Exercise, attempt: WrongAttempt, stdout: string): Map<string, string> {
  const target = exercise.criteria.find((c) => c.id === attempt.fails);
  if (target?.kind !== 'answer') return new Map();
  const typed = attempt.answer ?? stdout.split('\n').map((l) => l.trim()).filter(Boolean).pop() ?? '';
  return new Map([[`${exercise.id}/${target.id}`, typed]]);
}

/** Whether the results show the attempt caught as the lesson says; the problem in words otherwise. */
export function judgeAttempt(attempt: WrongAttempt, results: CriterionResult[]): string | undefined {
  const result = results.find((r) => r.criterion === attempt.fails);
  if (!result) return `wrong attempt "${attempt.mistake}": no result for ${attempt.fails}`;
  if (result.passed) return `wrong attempt "${attempt.mistake}" passes ${attempt.fails}: ${result.message}`;
  if (!result.message.includes(attempt.message)) return `wrong attempt "${attempt.mistake}" fails ${attempt.fails} with "${result.message}", not with "${attempt.message}"`;
  return undefined;
}

/**
 * Removes what a learner makes, through their own gate and in their home: containers, volumes, networks
 * (the lab's own network refuses, and stays), images that were not there at the start, and files. Image
 * names present at the start are passed in KEEP, one per line.
 */
const RESET_SCRIPT = String.raw`
docker ps -aq | xargs -r docker rm -f >/dev/null 2>&1
docker volume ls -q | xargs -r docker volume rm -f >/dev/null 2>&1
docker network ls --format '{{.Name}}' | grep -vxE 'bridge|host|none' | xargs -r -n1 docker network rm >/dev/null 2>&1
docker images --format '{{.Repository}}:{{.Tag}}' | grep -vxF -e '<none>:<none>' -e "$KEEP" | xargs -r docker rmi -f >/dev/null 2>&1
find "$HOME" -mindepth 1 -delete 2>/dev/null
left=$(docker ps -aq; docker volume ls -q)
[ -z "$left" ] || { echo "could not remove: $left"; exit 1; }
`;

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
  const bash = (script: string, timeoutMs = SOLUTION_TIMEOUT_MS, env: string[] = []) => runtime.exec(sandbox, ['env', ...env, 'bash', '-c', script], { timeoutMs });
  const failure = (what: string, run: Awaited<ReturnType<typeof bash>>): string | undefined => {
    if (run.timedOut) return `${what} ran longer than its time limit`;
    if (run.exitCode !== 0) return `${what} exited ${run.exitCode}: ${(run.stderr || run.stdout).trim().split('\n').slice(-3).join(' | ')}`;
    return undefined;
  };
  const verdicts: ExerciseVerdict[] = [];
  const fresh = new Map<string, CriterionResult[]>();
  for (const exercise of lesson.exercises) {
    // Fresh answers too: a solution's answer must not be accepted before the work is done.
    fresh.set(exercise.id, await checkExercise(agent, exercise, new Map()));
  }
  const keep = (await bash(`docker images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null`, RESET_TIMEOUT_MS)).stdout.trim();
  /** Back to the state a learner has on reaching exercise `index`: a clean lab, then the solutions before it. */
  const resetTo = async (index: number): Promise<string | undefined> => {
    const reset = failure('resetting the lab', await bash(RESET_SCRIPT, RESET_TIMEOUT_MS, [`KEEP=${keep}`]));
    if (reset) return reset;
    for (const earlier of lesson.exercises.slice(0, index)) {
      const problem = failure(`the solution of ${earlier.id} (replayed)`, await bash(earlier.solution));
      if (problem) return problem;
    }
    return undefined;
  };
  for (const [index, exercise] of lesson.exercises.entries()) {
    const started = Date.now();
    const problems = describe(fresh.get(exercise.id) ?? [], false);
    let attempts = 0;
    for (const [k, attempt] of (exercise.wrongAttempts ?? []).entries()) {
      // The first attempt finds the lab as the previous solution left it; the others need it put back.
      const reset = k === 0 ? undefined : await resetTo(index);
      if (reset) { problems.push(`before wrong attempt "${attempt.mistake}": ${reset}`); break; }
      const run = attempt.run === undefined ? undefined : await bash(attempt.run);
      if (run?.timedOut) { problems.push(`wrong attempt "${attempt.mistake}" ran longer than ${SOLUTION_TIMEOUT_MS / 1000} s`); continue; }
      const problem = judgeAttempt(attempt, await checkExercise(agent, exercise, answerOfAttempt(exercise, attempt, run?.stdout ?? '')));
      const said = run && run.exitCode !== 0 ? ` (its run exited ${run.exitCode}: ${(run.stderr || run.stdout).trim().split('\n').slice(-2).join(' | ')})` : '';
      if (problem) problems.push(problem + said);
      else attempts++;
    }
    if (exercise.wrongAttempts?.length) {
      const reset = await resetTo(index);
      if (reset) problems.push(`before the solution: ${reset}`);
    }
    const run = await bash(exercise.solution);
    const ran = failure('the solution', run);
    if (ran) problems.push(ran);
    const solved = await checkExercise(agent, exercise, answersFromSolution(exercise, run.stdout));
    problems.push(...describe(solved, true));
    verdicts.push({ lab: lesson.slug, exercise: exercise.id, ok: problems.length === 0, problems, attempts, ms: Date.now() - started });
  }
  return verdicts;
}

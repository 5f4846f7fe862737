/**
 * Runs criteria against a learner's sandbox: the one place a check run goes through the agent, whether it
 * was scheduled by a session's CheckRunner or asked by verify-labs. Every kind runs as the learner, never
 * in their shell and never in their history, and all the criteria of one check run are one request to the
 * sandbox's check agent (checks/agent.ts). `docker` criteria inspect through the learner's own Docker gate, so a check sees
 * exactly the objects and names the learner sees.
 */
import type { Criterion, Exercise } from '../../src/lib/lesson-schema.ts';
import type { CriterionResult } from '../../src/lib/protocol.ts';
import { NO_RESULT_EXIT, shellQuote, type CheckAgent, type ScriptJob, type ScriptResult } from './agent.ts';
import { answerScript, evaluate, judgeAnswer } from './predicates.ts';

const INSPECT_TIMEOUT_MS = 5_000;
const COMPUTE_TIMEOUT_MS = 5_000;
const MAX_MESSAGE_CHARS = 200;
/** Script output kept per criterion: the message is one line; an answer is short. */
const SCRIPT_STDOUT_BYTES = 4096;
/** `docker inspect` of a container is 5–15 KB of JSON; an image with many layers more. */
const INSPECT_STDOUT_BYTES = 256 * 1024;

/** What running criteria needs of the agent (a fake in unit tests). */
export type CriteriaAgent = Pick<CheckAgent, 'run'>;

export interface CriterionRequest {
  criterion: Criterion;
  /** The learner's answer, for `answer` criteria. */
  answer?: string;
}

/** What every criterion of a run says when the check machinery itself failed. */
export function couldNotRun(criterion: string, error: unknown): CriterionResult {
  const reason = (error instanceof Error ? error.message : String(error)).slice(0, 120);
  return { criterion, passed: false, message: `The check could not run (${reason}); it will retry after your next command.` };
}

/** The key of a learner's answer to one `answer` criterion. */
export function answerKey(exercise: string, criterion: string): string {
  return `${exercise}/${criterion}`;
}

function firstLine(text: string): string {
  return (text.split('\n').find((line) => line.trim()) ?? '').trim().slice(0, MAX_MESSAGE_CHARS);
}

/** The exec job a criterion needs, or undefined when it can be decided without the sandbox. */
function jobFor({ criterion, answer }: CriterionRequest): ScriptJob | undefined {
  switch (criterion.kind) {
    case 'sandbox':
      return { script: criterion.script, timeoutMs: criterion.timeoutMs, maxStdoutBytes: SCRIPT_STDOUT_BYTES };
    case 'docker':
      return {
        script: `exec docker inspect --type ${criterion.object} -- ${shellQuote(criterion.name)}`,
        timeoutMs: INSPECT_TIMEOUT_MS, maxStdoutBytes: INSPECT_STDOUT_BYTES,
      };
    case 'answer':
      return answer === undefined || !answer.trim() ? undefined : { script: answerScript(criterion), timeoutMs: COMPUTE_TIMEOUT_MS, maxStdoutBytes: SCRIPT_STDOUT_BYTES };
  }
}

/** Turns a script's outcome into the learner's result for one criterion. */
function judge({ criterion, answer }: CriterionRequest, run: ScriptResult | undefined): CriterionResult {
  const result = (passed: boolean, message: string): CriterionResult => ({ criterion: criterion.id, passed, message });
  if (criterion.kind === 'answer' && (answer === undefined || !answer.trim())) return result(false, 'Type your answer in the box and submit it.');
  if (!run) return result(false, 'The check could not finish; it will retry after your next command.');
  if (run.exitCode === NO_RESULT_EXIT) return result(false, 'The check could not save its result: the sandbox has no room left in /tmp; free some space there.');
  switch (criterion.kind) {
    case 'sandbox': {
      if (run.timedOut) return result(false, `This check took longer than ${criterion.timeoutMs / 1000} s; is something still running?`);
      const message = firstLine(run.stdout) || firstLine(run.stderr);
      return result(run.exitCode === 0, message || (run.exitCode === 0 ? 'Done.' : 'Not yet.'));
    }
    case 'docker': {
      if (run.timedOut) return result(false, 'Docker did not answer in time; try the check again.');
      if (run.exitCode !== 0) {
        if (/no such|not found/i.test(run.stderr)) return result(false, `There is no ${criterion.object} named ${criterion.name} yet.`);
        return result(false, firstLine(run.stderr) || `Could not inspect ${criterion.name}.`);
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(run.stdout);
      } catch {
        return result(false, `Could not read the inspect output of ${criterion.name}.`);
      }
      const inspect = Array.isArray(parsed) ? parsed[0] : undefined;
      if (!inspect || typeof inspect !== 'object') return result(false, `There is no ${criterion.object} named ${criterion.name} yet.`);
      const verdict = evaluate(criterion, inspect as Record<string, unknown>);
      return result(verdict.passed, verdict.message);
    }
    case 'answer': {
      if (run.timedOut || run.exitCode !== 0 || !run.stdout.trim()) {
        return result(false, 'The expected answer cannot be worked out yet: do the steps before this question first.');
      }
      const verdict = judgeAnswer(criterion, answer as string, run.stdout);
      return verdict ? result(verdict.passed, verdict.message) : result(false, 'The expected answer cannot be worked out yet: do the steps before this question first.');
    }
  }
}

/**
 * Runs the criteria given in one request to the agent and returns a result for each, in order. When the
 * run itself fails, every criterion that needed it fails with the reason; the others are still decided.
 */
export async function runCriteria(agent: CriteriaAgent, requests: readonly CriterionRequest[]): Promise<CriterionResult[]> {
  const jobs = requests.map(jobFor);
  const needed = jobs.flatMap((job, index) => (job ? [{ job, index }] : []));
  let runs: Array<ScriptResult | undefined>;
  try {
    runs = await agent.run(needed.map((n) => n.job));
  } catch (error) {
    return requests.map((request, index) => (jobs[index] ? couldNotRun(request.criterion.id, error) : judge(request, undefined)));
  }
  const byIndex = new Map(needed.map((n, i) => [n.index, runs[i]]));
  return requests.map((request, index) => judge(request, byIndex.get(index)));
}

/** Checks the exercises given in one run of the agent; a failure of the check machinery reads as a failed criterion with a reason. */
export async function checkExercises(
  agent: CriteriaAgent, exercises: readonly Exercise[], answers: ReadonlyMap<string, string>,
): Promise<Array<{ exercise: Exercise; results: CriterionResult[] }>> {
  const requests = exercises.flatMap((exercise) => exercise.criteria.map((criterion) => ({ criterion, answer: answers.get(answerKey(exercise.id, criterion.id)) })));
  let results: CriterionResult[];
  try {
    results = await runCriteria(agent, requests);
  } catch (error) {
    // runCriteria reports a failed run per criterion itself; this catches a fault in judging the results.
    results = requests.map(({ criterion }) => couldNotRun(criterion.id, error));
  }
  let offset = 0;
  return exercises.map((exercise) => {
    const own = results.slice(offset, offset + exercise.criteria.length);
    offset += exercise.criteria.length;
    return { exercise, results: own };
  });
}

/** Runs every criterion of one exercise. */
export async function checkExercise(agent: CriteriaAgent, exercise: Exercise, answers: ReadonlyMap<string, string>): Promise<CriterionResult[]> {
  const [outcome] = await checkExercises(agent, [exercise], answers);
  return outcome?.results ?? [];
}

/**
 * Runs one criterion against a learner's sandbox. Every kind runs as the learner through a separate exec
 * (never in their shell, never in their history); `docker` criteria inspect through the learner's own
 * Docker gate, so a check sees exactly the objects and names the learner sees.
 */
import type { Criterion } from '../../src/lib/lesson-schema.ts';
import type { CriterionResult } from '../../src/lib/protocol.ts';
import type { SandboxHandle, SandboxRuntime } from '../runtime/sandbox-runtime.ts';
import { evaluate } from './predicates.ts';

const INSPECT_TIMEOUT_MS = 5_000;
const COMPUTE_TIMEOUT_MS = 5_000;
const MAX_MESSAGE_CHARS = 200;

function firstLine(text: string): string {
  return (text.split('\n').find((line) => line.trim()) ?? '').trim().slice(0, MAX_MESSAGE_CHARS);
}

export function normalizeAnswer(value: string, ignoreCase: boolean): string {
  const trimmed = value.trim().replace(/\s+/g, ' ');
  return ignoreCase ? trimmed.toLowerCase() : trimmed;
}

export async function runCriterion(
  runtime: SandboxRuntime, sandbox: SandboxHandle, criterion: Criterion, answer: string | undefined,
): Promise<CriterionResult> {
  const result = (passed: boolean, message: string): CriterionResult => ({ criterion: criterion.id, passed, message });
  switch (criterion.kind) {
    case 'sandbox': {
      const run = await runtime.exec(sandbox, ['bash', '-c', criterion.script], { timeoutMs: criterion.timeoutMs });
      if (run.timedOut) return result(false, `This check took longer than ${criterion.timeoutMs / 1000} s; is something still running?`);
      const message = firstLine(run.stdout) || firstLine(run.stderr);
      return result(run.exitCode === 0, message || (run.exitCode === 0 ? 'Done.' : 'Not yet.'));
    }
    case 'docker': {
      const run = await runtime.exec(sandbox, ['docker', 'inspect', '--type', criterion.object, '--', criterion.name], { timeoutMs: INSPECT_TIMEOUT_MS });
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
      if (answer === undefined || !answer.trim()) return result(false, 'Type your answer in the box and submit it.');
      const run = await runtime.exec(sandbox, ['bash', '-c', criterion.compute], { timeoutMs: COMPUTE_TIMEOUT_MS });
      if (run.timedOut || run.exitCode !== 0 || !run.stdout.trim()) {
        return result(false, 'The expected answer cannot be worked out yet: do the steps before this question first.');
      }
      const expected = normalizeAnswer(run.stdout, criterion.ignoreCase);
      return normalizeAnswer(answer, criterion.ignoreCase) === expected
        ? result(true, 'Correct.')
        : result(false, `"${answer.trim().slice(0, 60)}" is not it; look again.`);
    }
  }
}

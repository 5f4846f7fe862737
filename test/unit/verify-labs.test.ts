import { describe, expect, it } from 'vitest';
import { answerOfAttempt, answersFromSolution, judgeAttempt } from '../../lab-server/checks/verify-labs.ts';
import type { Exercise, WrongAttempt } from '../../src/lib/lesson-schema.ts';

const exercise: Exercise = {
  id: 'ex', title: 'An exercise', task: 'Do the thing asked.', hints: ['a hint'], solution: 'true', needsDocker: false,
  criteria: [
    { kind: 'sandbox', id: 'state', label: 'the state', script: 'true', timeoutMs: 5000 },
    { kind: 'answer', id: 'typed', label: 'the answer', prompt: 'What?', compute: 'echo 1', ignoreCase: true },
  ],
};
const attempt = (over: Partial<WrongAttempt>): WrongAttempt => ({ mistake: 'a mistake', fails: 'state', message: 'still wrong', ...over });

describe('wrong attempts in verify-labs', () => {
  it('passes only when the named criterion fails with a message containing the expected text', () => {
    const a = attempt({});
    expect(judgeAttempt(a, [{ criterion: 'state', passed: false, message: 'the file is still wrong here' }])).toBeUndefined();
    expect(judgeAttempt(a, [{ criterion: 'state', passed: true, message: 'Done.' }])).toBe('wrong attempt "a mistake" passes state: Done.');
    expect(judgeAttempt(a, [{ criterion: 'state', passed: false, message: 'Not yet.' }])).toBe('wrong attempt "a mistake" fails state with "Not yet.", not with "still wrong"');
    expect(judgeAttempt(a, [{ criterion: 'other', passed: false, message: 'still wrong' }])).toMatch(/no result for state/);
  });

  it('types the given answer, or else the last line the run printed, into the criterion it names', () => {
    expect(answerOfAttempt(exercise, attempt({ fails: 'typed', answer: '42' }), 'ignored\n')).toEqual(new Map([['ex/typed', '42']]));
    expect(answerOfAttempt(exercise, attempt({ fails: 'typed', run: 'x' }), 'noise\n 7 \n\n')).toEqual(new Map([['ex/typed', '7']]));
    expect(answerOfAttempt(exercise, attempt({ fails: 'state', run: 'x' }), '7\n')).toEqual(new Map());
  });
});

describe('answers from a solution', () => {
  it('takes the last lines, one per answer criterion, in order', () => {
    const exercise = {
      id: 'q', title: 'tt', task: 'xxxxxxxxxx', hints: ['h h'], solution: 's', needsDocker: false,
      criteria: [
        { kind: 'answer' as const, id: 'first', label: 'lll', prompt: 'ppp', compute: 'c', ignoreCase: true },
        { kind: 'sandbox' as const, id: 'mid', label: 'lll', script: 's', timeoutMs: 5000 },
        { kind: 'answer' as const, id: 'second', label: 'lll', prompt: 'ppp', compute: 'c', ignoreCase: true },
      ],
    };
    expect(answersFromSolution(exercise, 'noise\n4026531840\n\n2\n')).toEqual(new Map([['q/first', '4026531840'], ['q/second', '2']]));
  });
});

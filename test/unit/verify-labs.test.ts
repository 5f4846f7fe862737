import { describe, expect, it } from 'vitest';
import { answersFromSolution } from '../../lab-server/checks/verify-labs.ts';

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

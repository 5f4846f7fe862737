import { describe, expect, it } from 'vitest';
import { parseRunOutput, shellQuote } from '../../lab-server/checks/agent.ts';

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('the check agent output', () => {
  it('reads one line per script and ignores lines that do not fit the framing', () => {
    const lines = [`1 124  ${b64('late')}`, 'garbage line', `0 0 ${b64('ok\nsecond')} `, `7 0 ${b64('beyond the count')} `, '2 x y z'];
    expect(parseRunOutput(lines, 3)).toEqual([
      { exitCode: 0, stdout: 'ok\nsecond', stderr: '', timedOut: false },
      { exitCode: 124, stdout: '', stderr: 'late', timedOut: true },
      undefined,
    ]);
  });

  it('quotes any name for bash', () => {
    expect(shellQuote("it's a name")).toBe(`'it'\\''s a name'`);
    expect(shellQuote('$(rm -rf ~)')).toBe(`'$(rm -rf ~)'`);
  });
});

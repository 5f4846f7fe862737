import { describe, expect, it } from 'vitest';
import { parseRunOutput, shellQuote } from '../../lab-server/checks/agent.ts';
import { CheckLimiter } from '../../lab-server/checks/check-runner.ts';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

describe('the server-wide check limiter', () => {
  it('keeps at most its limit in flight and serves the rest in arrival order', async () => {
    const limiter = new CheckLimiter(2);
    let inFlight = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(Array.from({ length: 7 }, (_, i) => limiter.run(async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      order.push(i);
      await tick(5 + (i % 3) * 5);
      inFlight--;
    })));
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(limiter.load).toEqual({ active: 0, waiting: 0 });
  });

  it('frees its slot when a check throws, and refuses a nonsense limit', async () => {
    const limiter = new CheckLimiter(1);
    await expect(limiter.run(async () => { throw new Error('engine gone'); })).rejects.toThrow('engine gone');
    await expect(limiter.run(async () => 'next')).resolves.toBe('next');
    expect(limiter.load).toEqual({ active: 0, waiting: 0 });
    expect(() => new CheckLimiter(0)).toThrow(/positive integer/);
  });
});

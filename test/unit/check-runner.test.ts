import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Exercise } from '../../src/lib/lesson-schema.ts';
import type { ServerControl } from '../../src/lib/protocol.ts';
import type { ScriptJob, ScriptResult } from '../../lab-server/checks/agent.ts';
import { CHECK_DEBOUNCE_MS, CheckLimiter, CheckRunner } from '../../lab-server/checks/check-runner.ts';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function exercise(id: string, extra: Exercise['criteria'] = []): Exercise {
  return {
    id, title: `Exercise ${id}`, task: 'xxxxxxxxxx', hints: ['h h'], solution: 's', needsDocker: false,
    criteria: [{ kind: 'sandbox', id: `${id}-done`, label: 'lll', script: `check ${id}`, timeoutMs: 5000 }, ...extra],
  };
}

const EXERCISES = [
  exercise('a', [{ kind: 'answer', id: 'uid', label: 'lll', prompt: 'ppp', compute: 'id -u', ignoreCase: true }]),
  exercise('b'),
];

/**
 * An agent whose runs the test releases one at a time; each answers every script with exit 0 ("ok"),
 * and `id -u` with 1000. It records the scripts of each run and the most runs ever in flight at once.
 */
function fakeAgent() {
  const runs: string[][] = [];
  const pending: Array<() => void> = [];
  let inFlight = 0;
  let peak = 0;
  let closed = false;
  const agent = {
    async run(jobs: readonly ScriptJob[]): Promise<Array<ScriptResult | undefined>> {
      runs.push(jobs.map((j) => j.script));
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise<void>((resolve) => pending.push(resolve));
      inFlight--;
      return jobs.map((j) => ({ exitCode: 0, stdout: j.script === 'id -u' ? '1000\n' : 'ok\n', stderr: '', timedOut: false }));
    },
    close: () => { closed = true; },
  };
  return {
    agent, runs, peak: () => peak, closed: () => closed,
    /** Lets the oldest run in flight answer, then lets the runner handle its results. */
    async release() {
      const next = pending.shift();
      expect(next, 'a run in flight to release').toBeDefined();
      next!();
      await vi.advanceTimersByTimeAsync(0);
    },
  };
}

function runner(exercises: readonly Exercise[] = EXERCISES) {
  const fake = fakeAgent();
  const sent: Array<Extract<ServerControl, { type: 'checks' }>> = [];
  const recorded: string[] = [];
  const counted: Array<{ lab: string; result: string; seconds: number }> = [];
  const r = new CheckRunner({
    agent: fake.agent, learner: 'l', lab: 'lab', exercises,
    progress: { record: (_learner, _lab, exerciseId, results) => { recorded.push(exerciseId); return results.every((x) => x.passed); } },
    send: (m) => { if (m.type === 'checks') sent.push(m); },
    metrics: { checkRun: (lab, result, seconds) => void counted.push({ lab, result, seconds }) },
  });
  return { r, fake, sent, recorded, counted };
}

describe('a session check runner', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('checks every exercise once, a debounce after a burst of prompts', async () => {
    const { r, fake } = runner();
    for (let i = 0; i < 5; i++) {
      r.onPrompt();
      await vi.advanceTimersByTimeAsync(CHECK_DEBOUNCE_MS / 2);
    }
    expect(fake.runs).toEqual([]);
    await vi.advanceTimersByTimeAsync(CHECK_DEBOUNCE_MS / 2 - 1);
    expect(fake.runs, 'not before the debounce since the last prompt').toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.runs).toEqual([['check a', 'check b']]);
    await fake.release();
    await r.idle();
    expect(fake.runs).toHaveLength(1);
  });

  it('counts each run for the metrics by lab and result: failed while a criterion fails, passed once all pass', async () => {
    const { r, fake, counted } = runner();
    const first = r.request();
    await fake.release();
    await first;
    expect(counted).toEqual([{ lab: 'lab', result: 'failed', seconds: expect.any(Number) }]);
    const second = r.request('b');
    await fake.release();
    await second;
    expect(counted.map((c) => c.result)).toEqual(['failed', 'passed']);
  });

  it('sends and records the results of each exercise the run covered', async () => {
    const { r, fake, sent, recorded } = runner();
    const done = r.request();
    await fake.release();
    await done;
    expect(recorded).toEqual(['a', 'b']);
    expect(sent.map((m) => [m.exercise, m.done])).toEqual([['a', false], ['b', true]]);
    expect(sent[0]!.results).toEqual([
      { criterion: 'a-done', passed: true, message: 'ok' },
      { criterion: 'uid', passed: false, message: 'Type your answer in the box and submit it.' },
    ]);
  });

  it('never overlaps runs: what is asked during a run becomes exactly one more run after it', async () => {
    const { r, fake, sent } = runner();
    const first = r.request('b');
    const queued = [r.request('a'), r.request(), r.request('b')];
    expect(fake.runs).toEqual([['check b']]);
    await fake.release();
    await first;
    expect(fake.runs, 'the one more run covers everything asked').toEqual([['check b'], ['check a', 'check b']]);
    let queuedDone = false;
    void Promise.all(queued).then(() => { queuedDone = true; });
    await vi.advanceTimersByTimeAsync(0);
    expect(queuedDone, 'a queued request resolves with its own run, not the one before').toBe(false);
    await fake.release();
    await Promise.all(queued);
    await r.idle();
    expect(fake.runs).toHaveLength(2);
    expect(fake.peak()).toBe(1);
    expect(sent.map((m) => m.exercise)).toEqual(['b', 'a', 'b']);
  });

  it('runs only the exercises asked for after a run, when no one asked for all', async () => {
    const { r, fake } = runner();
    void r.request();
    void r.request('a');
    void r.request('a');
    await fake.release();
    await fake.release();
    await r.idle();
    expect(fake.runs).toEqual([['check a', 'check b'], ['check a']]);
  });

  it('checks an answer against the computed value, for that exercise only', async () => {
    const { r, fake, sent } = runner();
    expect(r.answer('a', 'a-done', '1'), 'not an answer criterion').toBe(false);
    expect(r.answer('nope', 'uid', '1')).toBe(false);
    expect(fake.runs).toEqual([]);
    expect(r.answer('a', 'uid', ' 1000 ')).toBe(true);
    expect(fake.runs).toEqual([['check a', 'id -u']]);
    await fake.release();
    await r.idle();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ exercise: 'a', done: true });
    expect(sent[0]!.results.find((x) => x.criterion === 'uid')).toEqual({ criterion: 'uid', passed: true, message: 'Correct.' });
  });

  it('after stop: a pending debounce never fires, new requests do nothing, a run in flight sends nothing', async () => {
    const { r, fake, sent } = runner();
    const inFlight = r.request('a');
    void r.request('b');
    r.onPrompt();
    r.stop();
    expect(fake.closed()).toBe(true);
    r.onPrompt();
    await r.request();
    await vi.advanceTimersByTimeAsync(CHECK_DEBOUNCE_MS * 10);
    await fake.release();
    await inFlight;
    await r.idle();
    expect(fake.runs).toEqual([['check a']]);
    expect(sent).toEqual([]);
  });

  it('does nothing on a prompt in a lab without exercises', async () => {
    const { r, fake } = runner([]);
    r.onPrompt();
    await vi.advanceTimersByTimeAsync(CHECK_DEBOUNCE_MS * 10);
    expect(fake.runs).toEqual([]);
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

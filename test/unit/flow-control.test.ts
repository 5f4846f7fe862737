import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FlowControl, HIGH_WATER_BYTES, LOW_WATER_BYTES } from '../../lab-server/sessions/flow-control.ts';

/** A source that records pause/resume, and a client backlog the test sets. */
function world() {
  const calls: string[] = [];
  let backlog = 0;
  const flow = new FlowControl({ pause: () => calls.push('pause'), resume: () => calls.push('resume') }, () => backlog);
  return { flow, calls, setBacklog: (bytes: number) => { backlog = bytes; } };
}

/** Long enough for several of the flow's polls. */
const A_WHILE_MS = 1_000;

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('flow control between the browser and the shell', () => {
  it('keeps the shell flowing while the client buffer is below the high-water mark', () => {
    const { flow, calls, setBacklog } = world();
    setBacklog(HIGH_WATER_BYTES - 1);
    flow.afterWrite();
    vi.advanceTimersByTime(A_WHILE_MS);
    expect(calls).toEqual([]);
    expect(flow.isPaused).toBe(false);
  });

  it('pauses the shell once when the buffer reaches the high-water mark, however many writes follow', () => {
    const { flow, calls, setBacklog } = world();
    setBacklog(HIGH_WATER_BYTES);
    flow.afterWrite();
    flow.afterWrite();
    vi.advanceTimersByTime(A_WHILE_MS);
    flow.afterWrite();
    expect(calls).toEqual(['pause']);
    expect(flow.isPaused).toBe(true);
  });

  it('stays paused while the buffer drains above the low-water mark, and resumes once it is at it', () => {
    const { flow, calls, setBacklog } = world();
    setBacklog(HIGH_WATER_BYTES);
    flow.afterWrite();
    setBacklog(LOW_WATER_BYTES + 1);
    vi.advanceTimersByTime(A_WHILE_MS);
    expect(calls).toEqual(['pause']);
    setBacklog(LOW_WATER_BYTES);
    vi.advanceTimersByTime(A_WHILE_MS);
    expect(calls).toEqual(['pause', 'resume']);
    expect(flow.isPaused).toBe(false);
    expect(vi.getTimerCount(), 'no poll left running').toBe(0);
  });

  it('pauses again on the next flood after resuming', () => {
    const { flow, calls, setBacklog } = world();
    setBacklog(HIGH_WATER_BYTES);
    flow.afterWrite();
    setBacklog(0);
    vi.advanceTimersByTime(A_WHILE_MS);
    setBacklog(HIGH_WATER_BYTES);
    flow.afterWrite();
    expect(calls).toEqual(['pause', 'resume', 'pause']);
  });

  it('resumes at once on release (a client left) and does not resume twice', () => {
    const { flow, calls, setBacklog } = world();
    setBacklog(HIGH_WATER_BYTES * 4);
    flow.afterWrite();
    flow.release();
    expect(calls).toEqual(['pause', 'resume']);
    setBacklog(0);
    vi.advanceTimersByTime(A_WHILE_MS);
    flow.release();
    expect(calls).toEqual(['pause', 'resume']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not resume a source it never paused', () => {
    const { flow, calls } = world();
    flow.release();
    expect(calls).toEqual([]);
  });

  it('has a low-water mark below the high-water mark, so it does not flap', () => {
    expect(LOW_WATER_BYTES).toBeLessThan(HIGH_WATER_BYTES);
  });
});

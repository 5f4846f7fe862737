import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../lab-server/store/store.ts';
import { Progress } from '../../lab-server/progress/progress.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('learner progress', () => {
  it('records results, completes once, survives reopening and resets', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulkhead-progress-'));
    dirs.push(dir);
    const path = join(dir, 'progress.db');
    let store = Store.open(path);
    let progress = new Progress(store);
    const events: boolean[] = [];
    progress.onChange((e) => events.push(e.completedNow));
    expect(progress.record('l', 'caps', 'one', [{ criterion: 'a', passed: false, message: 'not yet' }])).toBe(false);
    expect(progress.record('l', 'caps', 'one', [{ criterion: 'a', passed: true, message: 'ok' }])).toBe(true);
    expect(progress.record('l', 'caps', 'one', [{ criterion: 'a', passed: false, message: 'broke it' }])).toBe(true);
    expect(events).toEqual([false, true, false]);
    store.close();
    store = Store.open(path);
    progress = new Progress(store);
    expect(progress.forLab('l', 'caps')).toEqual({ done: ['one'], results: { one: [{ criterion: 'a', passed: false, message: 'broke it' }] } });
    expect(progress.completedByLab('l')).toEqual({ caps: ['one'] });
    progress.reset('l', 'caps');
    expect(progress.forLab('l', 'caps')).toEqual({ done: [], results: {} });
    store.close();
  });
});

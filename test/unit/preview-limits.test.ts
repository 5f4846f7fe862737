import { describe, expect, it } from 'vitest';
import { PreviewLimits } from '../../lab-server/preview/limits.ts';

describe('preview limits', () => {
  it('caps open requests per learner and lets others through', () => {
    const limits = new PreviewLimits({ openPerLearner: 2, burst: 100, perMinute: 6000 });
    const a = limits.admit('a');
    const b = limits.admit('a');
    expect(a.ok && b.ok).toBe(true);
    expect(limits.admit('a')).toMatchObject({ ok: false });
    expect(limits.admit('b').ok).toBe(true);
    if (a.ok) a.release();
    if (a.ok) a.release();
    expect(limits.admit('a').ok).toBe(true);
    expect(limits.admit('a').ok).toBe(false);
  });

  it('rate-limits a burst, counts WebSockets apart and caps the total', () => {
    const limits = new PreviewLimits({ burst: 3, perMinute: 1, openPerLearner: 100, webSocketsPerLearner: 1, openTotal: 5 });
    for (let i = 0; i < 3; i++) { const r = limits.admit('a'); if (r.ok) r.release(); }
    const refused = limits.admit('a');
    expect(refused).toMatchObject({ ok: false, reason: expect.stringMatching(/too many/) });
    expect(limits.admit('b', true).ok).toBe(true);
    expect(limits.admit('b', true)).toMatchObject({ ok: false });
    for (const learner of ['c', 'd', 'e', 'f']) limits.admit(learner);
    expect(limits.admit('g')).toMatchObject({ ok: false, reason: expect.stringMatching(/busy/) });
  });
});

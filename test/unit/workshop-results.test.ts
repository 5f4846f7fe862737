import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../lab-server/progress/progress.ts';
import { recordResults } from '../../lab-server/workshops/results.ts';
import { HOUR, world } from '../helpers/workshop-world.ts';

function setup() {
  const w = world();
  let listener: ((event: ProgressEvent) => void) | undefined;
  const progress = { onChange: (fn: (event: ProgressEvent) => void) => { listener = fn; return () => { listener = undefined; }; } };
  const off = recordResults({ progress, store: w.store, touch: w.touch, log: w.log });
  const check = (learner: string, lab: string, at: number, passed = true) => listener?.({
    learner, lab, exercise: 'make-note', results: [{ criterion: 'a', passed, message: passed ? '' : 'not yet' }], done: passed, completedNow: passed, at,
  });
  return { ...w, off, check };
}

describe("the workshop's record of check results", () => {
  it("keeps a seated learner's checks on the workshop's lessons while it runs, and tells the board", async () => {
    const { workshop, seat, check, store, touched, now } = setup();
    const room = await workshop({ lessons: ['demo'] });
    const ada = seat(room, 'ada');
    check('ada', 'demo', now(), false);
    check('ada', 'demo', now() + 1_000);
    expect(store.results(room.id)).toEqual([expect.objectContaining({ seat: ada.id, lab: 'demo', exercise: 'make-note', attempts: 2, passed: 1, total: 1, doneAt: now() + 1_000 })]);
    expect(touched).toEqual([room.id, room.id]);
  });

  it('ignores checks outside the workshop: another lesson, before the start, after the end, no seat', async () => {
    const { workshop, seat, check, store, touched, now } = setup();
    const room = await workshop({ lessons: ['demo'], startsAt: now() + HOUR, endsAt: now() + 2 * HOUR });
    seat(room, 'ada');
    check('ada', 'caps', now() + HOUR);
    check('ada', 'demo', now());
    check('ada', 'demo', now() + 2 * HOUR);
    check('eve', 'demo', now() + HOUR);
    expect(store.results(room.id)).toEqual([]);
    expect(touched).toEqual([]);
  });

  it('stops listening when unsubscribed', async () => {
    const { workshop, seat, check, store, off, now } = setup();
    const room = await workshop();
    seat(room, 'ada');
    off();
    check('ada', 'demo', now());
    expect(store.results(room.id)).toEqual([]);
  });
});

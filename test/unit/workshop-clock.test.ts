import { describe, expect, it } from 'vitest';
import { WARN_BEFORE_END_MS, WorkshopClock } from '../../lab-server/workshops/clock.ts';
import { Lifecycle } from '../../lab-server/workshops/lifecycle.ts';
import { Notices } from '../../lab-server/workshops/notices.ts';
import { PREWARM_HOLD_MS, PREWARM_LEAD_MS, Prewarmer } from '../../lab-server/workshops/prewarm.ts';
import { catalog, HOUR, world } from '../helpers/workshop-world.ts';

function setup(prewarmCap?: number) {
  const w = world();
  const notices = new Notices({ store: w.store, sessions: w.sessions, now: w.now });
  const prewarmer = new Prewarmer({ catalog, pool: w.pool, cap: prewarmCap, log: w.log });
  const lifecycle = new Lifecycle({ store: w.store, catalog, sessions: w.sessions, notices, prewarmer, touch: w.touch, log: w.log, now: w.now });
  const clock = new WorkshopClock({ store: w.store, sessions: w.sessions, lifecycle, prewarmer, notices, log: w.log, now: w.now });
  return { ...w, lifecycle, clock };
}

const broadcasts = (told: Array<{ type: string; message?: string }>) => told.filter((m) => m.type === 'broadcast').map((m) => m.message);

describe('the workshop clock', () => {
  it('warns the room once, five minutes before the end', async () => {
    const { clock, workshop, seat, sessions, advance } = setup();
    const room = await workshop({ title: 'Room', endsAt: 1_000_000 + HOUR });
    seat(room, 'ada');
    const ada = sessions.add('ada');
    await clock.tick();
    expect(ada.told).toEqual([]);
    advance(HOUR - WARN_BEFORE_END_MS);
    await clock.tick();
    advance(1_000);
    await clock.tick();
    expect(broadcasts(ada.told)).toEqual(['“Room” ends in 5 min. Finish the check you are on; your results are saved.']);
  });

  it('warns again after an extension moved the end out of the warning window, not after one that did not', async () => {
    const { clock, lifecycle, workshop, seat, sessions, store, advance } = setup();
    const room = await workshop({ title: 'Room', endsAt: 1_000_000 + HOUR });
    seat(room, 'ada');
    const ada = sessions.add('ada');
    advance(HOUR - 4 * 60_000);
    await clock.tick();
    lifecycle.extend(store.byId(room.id)!, '1m');
    await clock.tick();
    expect(broadcasts(ada.told), 'still inside the window: no second warning').toEqual([
      '“Room” ends in 4 min. Finish the check you are on; your results are saved.', 'The workshop was extended by 1 min.',
    ]);
    lifecycle.extend(store.byId(room.id)!, '30m');
    await clock.tick();
    advance(30 * 60_000);
    await clock.tick();
    expect(broadcasts(ada.told).at(-1)).toBe('“Room” ends in 5 min. Finish the check you are on; your results are saved.');
  });

  it('ends a workshop at its end time, ending its labs', async () => {
    const { clock, workshop, seat, sessions, store, advance } = setup();
    const room = await workshop({ title: 'Short', endsAt: 1_000_000 + HOUR });
    seat(room, 'ada');
    const ada = sessions.add('ada');
    advance(HOUR);
    await clock.tick();
    expect(store.byId(room.id)?.endedAt).toBe(1_000_000 + HOUR);
    expect(broadcasts(ada.told).at(-1)).toBe('“Short” has reached its end time. Thank you for taking part! Your results are saved; your lab closes now.');
    expect(sessions.ended).toEqual([ada.id]);
    expect(store.open()).toEqual([]);
  });

  it('pre-warms from five minutes before the start until ten after it, once, and releases at the end', async () => {
    const { clock, lifecycle, workshop, pool, store, advance, now } = setup(2);
    const start = 1_000_000 + HOUR;
    const room = await workshop({ lessons: ['gone', 'caps'], seats: 5, startsAt: start, endsAt: start + HOUR });
    await clock.tick();
    expect(pool.reserved).toEqual([]);
    advance(HOUR - PREWARM_LEAD_MS);
    await clock.tick();
    await clock.tick();
    expect(pool.reserved, "the first lesson the course has, up to the cap, kept until the hold ends").toEqual([
      { lab: 'caps', count: 2, until: start + PREWARM_HOLD_MS, released: false },
    ]);
    await lifecycle.end(store.byId(room.id)!);
    expect(pool.reserved[0]?.released).toBe(true);
    const late = await workshop({ startsAt: now() - PREWARM_HOLD_MS - 60_000, endsAt: start + HOUR });
    await clock.tick();
    expect(pool.reserved, `${late.code} started eleven minutes ago: too late to pre-warm`).toHaveLength(1);
  });

  it('releases the reservation of a workshop that ended while the clock was not looking', async () => {
    const { clock, workshop, pool, store, advance } = setup();
    const room = await workshop({ startsAt: 1_000_000 + 60_000, endsAt: 1_000_000 + HOUR });
    await clock.tick();
    expect(pool.reserved).toHaveLength(1);
    store.markEnded(room.id, 1_000_000);
    advance(1_000);
    await clock.tick();
    expect(pool.reserved[0]?.released).toBe(true);
  });

  it("sweeps away a lab a held learner of an ended workshop still has", async () => {
    const { clock, workshop, seat, sessions, store } = setup();
    const room = await workshop();
    seat(room, 'ada');
    store.markEnded(room.id, 1_000_000);
    const slipped = sessions.add('ada');
    const other = sessions.add('eve');
    await clock.tick();
    expect(sessions.ended).toEqual([slipped.id]);
    expect(sessions.live.has(other.id)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { ENDED_HOLD_MS, Learners } from '../../lab-server/workshops/learners.ts';
import { Notices } from '../../lab-server/workshops/notices.ts';
import { catalog, HOUR, refusalOf, world } from '../helpers/workshop-world.ts';

function setup() {
  const w = world();
  const notices = new Notices({ store: w.store, sessions: w.sessions, now: w.now });
  const learners = new Learners({ store: w.store, catalog, notices, touch: w.touch, now: w.now });
  return { ...w, notices, learners };
}

describe('joining a workshop', () => {
  it('seats a learner under a cleaned-up name, and a rejoin renames that seat', async () => {
    const { learners, workshop, store, touched } = setup();
    const room = await workshop({ seats: 2 });
    const { seat } = learners.join(` ${room.code.toLowerCase().slice(0, 3)}-${room.code.slice(3)} `, 'ada', '  Ada   Lovelace ', '10.0.0.1');
    expect(seat).toMatchObject({ workshop: room.id, learner: 'ada', name: 'Ada Lovelace' });
    expect(seat.id).toMatch(/^[A-Za-z0-9_-]{12}$/);
    expect(touched).toEqual([room.id]);
    const again = learners.join(room.code, 'ada', 'Ada L.', '10.0.0.1');
    expect(again.seat.id, 'a rejoin takes no second seat').toBe(seat.id);
    expect(store.seats(room.id).map((s) => s.name)).toEqual(['Ada L.']);
  });

  it('refuses a name someone else goes by, whatever its case', async () => {
    const { learners, workshop } = setup();
    const room = await workshop();
    learners.join(room.code, 'ada', 'Ada', '10.0.0.1');
    expect(await refusalOf(() => learners.join(room.code, 'eve', 'ADA', '10.0.0.1'))).toMatchObject({
      code: 'NAME_TAKEN', status: 409,
      message: 'Someone in this workshop already goes by “ADA”. Add an initial or a number so your instructor can tell you apart.',
    });
  });

  it('refuses one learner more than the seats', async () => {
    const { learners, workshop } = setup();
    const room = await workshop({ seats: 1, title: 'Room 101' });
    learners.join(room.code, 'ada', 'Ada', '10.0.0.1');
    expect(await refusalOf(() => learners.join(room.code, 'bob', 'Bob', '10.0.0.1'))).toMatchObject({
      code: 'FULL', status: 409, message: 'All 1 seats of “Room 101” are taken. Tell your instructor.',
    });
  });

  it('refuses to join after the end with 410', async () => {
    const { learners, workshop, advance } = setup();
    const room = await workshop({ title: 'Done' });
    advance(2 * HOUR);
    expect(await refusalOf(() => learners.join(room.code, 'ada', 'Ada', '10.0.0.1'))).toMatchObject({
      code: 'ENDED', status: 410, message: '“Done” has ended, so it takes no more learners.',
    });
  });

  it('says what a join code looks like, and counts wrong ones per address', async () => {
    const { learners } = setup();
    expect(await refusalOf(() => learners.join('nope', 'ada', 'Ada', '10.0.0.1'))).toMatchObject({
      code: 'NOT_FOUND', status: 404, message: 'A join code is 6 letters and digits, like K7M2QX. Check it against the one your instructor shows.',
    });
    expect(await refusalOf(() => learners.join('ZZZZZZ', 'ada', 'Ada', '10.0.0.1'))).toMatchObject({
      message: 'No workshop has the code ZZZZZZ. Check it against the one your instructor shows.',
    });
    for (let i = 0; i < 8; i++) await refusalOf(() => learners.join('ZZZZZZ', 'ada', 'Ada', '10.0.0.1'));
    expect(await refusalOf(() => learners.join('ZZZZZZ', 'ada', 'Ada', '10.0.0.1'))).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
  });
});

describe("a learner's workshop", () => {
  it('holds them from the join until twelve hours after its end, then lets go', async () => {
    const { learners, workshop, seat, advance } = setup();
    const room = await workshop();
    seat(room, 'ada');
    expect(learners.current('ada')?.workshop.id).toBe(room.id);
    expect(learners.current('bob')).toBeUndefined();
    expect(learners.current(undefined)).toBeUndefined();
    advance(2 * HOUR + ENDED_HOLD_MS);
    expect(learners.current('ada')?.workshop.id, 'still held at exactly twelve hours').toBe(room.id);
    advance(1);
    expect(learners.current('ada')).toBeUndefined();
  });

  it("shows the learner the workshop's lessons, their seat and the latest notice", async () => {
    const { learners, notices, workshop, seat, now } = setup();
    const room = await workshop({ lessons: ['caps', 'demo', 'gone'], title: 'Room' });
    seat(room, 'ada', 'Ada');
    expect(learners.me('ada')).toEqual({
      workshop: {
        code: room.code, title: 'Room', status: 'running', startsAt: room.startsAt, endsAt: room.endsAt,
        lessons: [
          { slug: 'caps', number: 2, title: 'Capabilities', navTitle: 'Caps', exercises: 2 },
          { slug: 'demo', number: 1, title: 'A demo lesson', navTitle: 'Demo', exercises: 1 },
        ],
      },
      seat: { name: 'Ada' },
      now: now(),
    });
    notices.tell(room, 'Look at exercise 2');
    expect(learners.me('ada')?.broadcast).toEqual({ message: 'Look at exercise 2', at: now() });
    expect(learners.me('bob')).toBeUndefined();
  });

  it('holds labs closed before the start and after the end, with the sentence why', async () => {
    const { learners, workshop, seat, advance } = setup();
    const later = await workshop({ title: 'Later', startsAt: 1_000_000 + 3 * 60_000, endsAt: 1_000_000 + HOUR });
    seat(later, 'ada');
    expect(learners.admission('ada')).toBe('“Later” starts in 3 min; its labs open then. Keep this page open and press Start lab at the start.');
    expect(learners.inRunningWorkshop('ada')).toBe(false);
    advance(3 * 60_000 - 5_000);
    expect(learners.admission('ada'), 'a start seconds away reads as one minute').toMatch(/^“Later” starts in 1 min;/);
    advance(5_000);
    expect(learners.admission('ada')).toBeUndefined();
    expect(learners.inRunningWorkshop('ada')).toBe(true);
    advance(HOUR);
    expect(learners.admission('ada')).toBe('“Later” has ended, so its labs are closed. Your results are saved.');
    expect(learners.inRunningWorkshop('ada')).toBe(false);
    expect(learners.admission('someone-else'), 'a learner of no workshop is not held').toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { LabError } from '../../lab-server/errors.ts';
import { Lifecycle } from '../../lab-server/workshops/lifecycle.ts';
import { Notices } from '../../lab-server/workshops/notices.ts';
import { Prewarmer } from '../../lab-server/workshops/prewarm.ts';
import { verifySecret } from '../../lab-server/workshops/secrets.ts';
import { catalog, HOUR, refusalOf, world } from '../helpers/workshop-world.ts';

function setup() {
  const w = world();
  const notices = new Notices({ store: w.store, sessions: w.sessions, now: w.now });
  const prewarmer = new Prewarmer({ catalog, pool: w.pool, log: w.log });
  const lifecycle = new Lifecycle({ store: w.store, catalog, sessions: w.sessions, notices, prewarmer, touch: w.touch, log: w.log, now: w.now });
  return { ...w, notices, prewarmer, lifecycle };
}

describe('creating a workshop', () => {
  it('stores it with a fresh code and only a hash of the secret it returns once', async () => {
    const { lifecycle, store, now, lines } = setup();
    const { workshop, secret } = await lifecycle.create({ title: ' Room  101 ', lessons: '2,demo', seats: '40', duration: '1h30m', startsIn: '15m' });
    expect(workshop).toMatchObject({ title: 'Room 101', lessons: ['caps', 'demo'], seats: 40, startsAt: now() + 15 * 60_000, endsAt: now() + 105 * 60_000 });
    expect(workshop.code).toMatch(/^[A-HJ-NP-Z2-9]{6}$/);
    const stored = store.byCode(workshop.code);
    expect(stored?.workshop).toEqual(workshop);
    expect(stored?.secretHash).not.toContain(secret);
    expect(await verifySecret(secret, stored!.secretHash)).toBe(true);
    expect(lines).toContain('workshop.created: Workshop created: caps, demo, 40 seats, 1 h 30 min');
    // Neither the instructor's secret nor the join code (enough to take a seat) is logged.
    expect(lines.join('\n')).not.toContain(secret);
    expect(lines.join('\n')).not.toContain(workshop.code);
  });

  it('refuses what it cannot run, saying what to type', async () => {
    const { lifecycle, store } = setup();
    const error = await refusalOf(() => lifecycle.create({ title: 'T', lessons: '1', seats: 3, duration: '30s' }));
    expect(error).toBeInstanceOf(LabError);
    expect(error).toMatchObject({ code: 'BAD_REQUEST', status: 400, message: 'The duration must be between 1 min and 12 h, written like 3h, 90m or 1h30m.' });
    expect(await refusalOf(() => lifecycle.create({ title: 'T', lessons: '1', seats: 3, duration: '1h', startsIn: '15 days' }))).toMatchObject({ status: 400 });
    expect(store.all()).toEqual([]);
  });

  it('pre-warms the first lab at once when the start is near, as many as the seats up to the cap', async () => {
    const { lifecycle, pool, now } = setup();
    await lifecycle.create({ title: 'Soon', lessons: 'caps,demo', seats: 40, duration: '1h', startsIn: '4m' });
    expect(pool.reserved).toEqual([{ lab: 'caps', count: 10, until: now() + 4 * 60_000 + 10 * 60_000, released: false }]);
    await lifecycle.create({ title: 'Later', lessons: 'demo', seats: 2, duration: '1h', startsIn: '6m' });
    expect(pool.reserved, 'six minutes ahead is too early').toHaveLength(1);
  });
});

describe('a running workshop', () => {
  it('lists every workshop with its status and seats used', async () => {
    const { lifecycle, workshop, seat } = setup();
    const room = await workshop({ title: 'Room', seats: 5 });
    seat(room, 'ada');
    expect(lifecycle.list()).toEqual([{ code: room.code, title: 'Room', status: 'running', seats: 5, seatsUsed: 1, startsAt: room.startsAt, endsAt: room.endsAt }]);
  });

  it("sends the instructor's message to every open lab of its learners only", async () => {
    const { lifecycle, workshop, seat, sessions } = setup();
    const room = await workshop({ title: 'Room' });
    seat(room, 'ada');
    seat(room, 'bob');
    const ada = sessions.add('ada');
    const adaOther = sessions.add('ada', 'caps');
    const gone = sessions.add('bob', 'demo', { state: 'expired' });
    const stranger = sessions.add('eve');
    expect(lifecycle.broadcast(room, 'Look at\r\nexercise 2 ')).toBe(2);
    expect(ada.told).toEqual([{ type: 'broadcast', message: 'Look at\nexercise 2', from: 'Room' }]);
    expect(adaOther.told).toHaveLength(1);
    expect(gone.told).toEqual([]);
    expect(stranger.told).toEqual([]);
    expect(await refusalOf(() => lifecycle.broadcast(room, 'bell\u0007'))).toMatchObject({ code: 'BAD_REQUEST', message: 'The message may only hold printable text.' });
  });

  it('extends the end, tells the room, and refuses past 24 hours or after the end', async () => {
    const { lifecycle, workshop, seat, sessions, store, touched, advance } = setup();
    const room = await workshop({ title: 'Room' });
    seat(room, 'ada');
    const ada = sessions.add('ada');
    const extended = lifecycle.extend(room, '30m');
    expect(extended.endsAt).toBe(room.endsAt + 30 * 60_000);
    expect(store.byId(room.id)?.endsAt).toBe(extended.endsAt);
    expect(ada.told).toEqual([{ type: 'broadcast', message: 'The workshop was extended by 30 min.', from: 'Room' }]);
    expect(touched).toContain(room.id);
    for (let i = 0; i < 5; i++) lifecycle.extend(room, '4h');
    expect(await refusalOf(() => lifecycle.extend(room, '2h')), '22.5 h so far').toMatchObject({ code: 'BAD_REQUEST', message: 'A workshop lasts at most 24 h.' });
    advance(24 * HOUR);
    expect(await refusalOf(() => lifecycle.extend(room, '30m'))).toMatchObject({
      code: 'ENDED', status: 409, message: '“Room” has already ended; create a new workshop to go on.',
    });
  });
});

describe('ending a workshop', () => {
  it('tells its learners, ends their labs, releases the warm sandboxes, and does it once', async () => {
    const { lifecycle, workshop, seat, sessions, pool, store, now, lines, advance } = setup();
    const created = await lifecycle.create({ title: 'Room 101', lessons: 'demo', seats: 3, duration: '1h', startsIn: '1m' });
    const room = created.workshop;
    seat(room, 'ada');
    const ada = sessions.add('ada');
    const eve = sessions.add('eve');
    const ended = await lifecycle.end(room);
    expect(ended).toEqual({ endedAt: now(), sandboxes: 1 });
    expect(ada.told).toEqual([{ type: 'broadcast', from: 'Room 101', message: 'Your instructor ended “Room 101”. Thank you for taking part! Your results are saved; your lab closes now.' }]);
    expect(sessions.ended).toEqual([ada.id]);
    expect(sessions.live.has(eve.id), "another learner's lab stays").toBe(true);
    expect(pool.reserved[0]?.released).toBe(true);
    expect(store.byId(room.id)?.endedAt).toBe(now());
    advance(1_000);
    expect(await lifecycle.end(room), 'again: same end time, nothing left').toEqual({ endedAt: now() - 1_000, sandboxes: 0 });
    expect(lines.filter((l) => l.endsWith('ended (instructor)'))).toHaveLength(1);
  });

  it('says so when the clock ended it', async () => {
    const { lifecycle, workshop, seat, sessions } = setup();
    const room = await workshop({ title: 'Short' });
    seat(room, 'ada');
    const ada = sessions.add('ada');
    await lifecycle.end(room, 'time');
    expect(ada.told[0]).toMatchObject({ message: '“Short” has reached its end time. Thank you for taking part! Your results are saved; your lab closes now.' });
  });
});

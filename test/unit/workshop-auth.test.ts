import { describe, expect, it } from 'vitest';
import { LabError } from '../../lab-server/errors.ts';
import { InstructorAuth } from '../../lab-server/workshops/auth.ts';
import { refusalOf, world } from '../helpers/workshop-world.ts';

const KEY = 'the-organizer-key-from-the-data-folder';
const SECRET = 'the-instructor-secret-of-this-room';

async function setup() {
  const w = world();
  const auth = new InstructorAuth({ store: w.store, organizerKey: KEY, now: w.now });
  const room = await w.workshop({}, SECRET);
  const other = await w.workshop({}, 'the-secret-of-another-room-entirely');
  return { ...w, auth, room, other };
}

describe('instructor authorization', () => {
  it('asks for a Bearer credential with a 401 challenge when none is given', async () => {
    const { auth, room } = await setup();
    const error = await refusalOf(() => auth.authorize(room.code, undefined, '10.0.0.1'));
    expect(error).toBeInstanceOf(LabError);
    expect(error).toMatchObject({ code: 'UNAUTHORIZED', status: 401, message: 'This needs the instructor secret from the instructor link.' });
    expect(error?.headers).toEqual({ 'WWW-Authenticate': 'Bearer realm="bulkhead-workshop"' });
    const organizer = await refusalOf(() => auth.requireOrganizer(undefined, '10.0.0.1'));
    expect(organizer).toMatchObject({ code: 'UNAUTHORIZED', status: 401, headers: { 'WWW-Authenticate': 'Bearer realm="bulkhead-workshop"' } });
  });

  it("opens a workshop with its own secret only, and any workshop with the organizer key", async () => {
    const { auth, room, other } = await setup();
    expect((await auth.authorize(room.code.toLowerCase(), SECRET, '10.0.0.1')).id).toBe(room.id);
    const wrong = await refusalOf(() => auth.authorize(other.code, SECRET, '10.0.0.1'));
    expect(wrong).toMatchObject({ code: 'FORBIDDEN', status: 403, message: 'The workshop code or the instructor secret is wrong.' });
    expect((await auth.authorize(other.code, KEY, '10.0.0.1')).id).toBe(other.id);
    expect(await refusalOf(() => auth.authorize('ZZZZZZ', KEY, '10.0.0.1'))).toMatchObject({ code: 'NOT_FOUND', status: 404, message: 'There is no workshop with the code ZZZZZZ.' });
    expect(await refusalOf(() => auth.authorize('ZZZZZZ', SECRET, '10.0.0.1')), 'an unknown code reads like a wrong secret').toMatchObject({ status: 403 });
  });

  it('still refuses a wrong secret once the right one was verified and remembered', async () => {
    const { auth, room } = await setup();
    await auth.authorize(room.code, SECRET, '10.0.0.1');
    expect(await refusalOf(() => auth.authorize(room.code, `${SECRET}x`, '10.0.0.1'))).toMatchObject({ status: 403 });
    expect((await auth.authorize(room.code, SECRET, '10.0.0.1')).id).toBe(room.id);
  });

  it('refuses every attempt from an address after ten wrong secrets, the right one too', async () => {
    const { auth, room, advance } = await setup();
    for (let i = 0; i < 10; i++) expect(await refusalOf(() => auth.authorize(room.code, `wrong-secret-number-${i}`, '10.0.0.1'))).toMatchObject({ status: 403 });
    const blocked = await refusalOf(() => auth.authorize(room.code, 'wrong-secret-number-10', '10.0.0.1'));
    expect(blocked).toMatchObject({ code: 'RATE_LIMITED', status: 429 });
    expect(blocked?.retryAfterMs).toBeGreaterThan(0);
    expect(await refusalOf(() => auth.authorize(room.code, SECRET, '10.0.0.1'))).toMatchObject({ status: 429, message: expect.stringMatching(/^Too many wrong secrets from your network\./) });
    expect((await auth.authorize(room.code, SECRET, '10.0.0.2')).id, 'another address is not held').toBe(room.id);
    advance(blocked!.retryAfterMs!);
    expect((await auth.authorize(room.code, SECRET, '10.0.0.1')).id).toBe(room.id);
  });
});

describe('the organizer', () => {
  it('is the holder of the organizer key, not of an instructor secret', async () => {
    const { auth } = await setup();
    expect(auth.isOrganizer(KEY)).toBe(true);
    expect(auth.isOrganizer(undefined)).toBe(false);
    expect(() => auth.requireOrganizer(KEY, '10.0.0.1')).not.toThrow();
    expect(await refusalOf(() => auth.requireOrganizer(SECRET, '10.0.0.1'))).toMatchObject({ code: 'FORBIDDEN', status: 403, message: 'That is not the organizer key.' });
  });
});

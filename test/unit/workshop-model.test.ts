import { describe, expect, it } from 'vitest';
import { LabError } from '../../lab-server/errors.ts';
import {
  CODE_ALPHABET, CODE_LENGTH, WorkshopError, newJoinCode, normalizeCode, parseDuration, resolveLessons, statusOf,
  validateBroadcast, validateDuration, validateName, validateSeats, validateTitle, type Workshop,
} from '../../lab-server/workshops/model.ts';

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WorkshopError);
    return (error as WorkshopError).message;
  }
  throw new Error('expected a refusal');
}

describe('join codes', () => {
  it('are six characters from an alphabet without look-alikes', () => {
    expect(CODE_ALPHABET).not.toMatch(/[0O1I]/);
    expect(new Set(CODE_ALPHABET).size).toBe(32);
    for (let i = 0; i < 500; i++) {
      const code = newJoinCode();
      expect(code).toHaveLength(CODE_LENGTH);
      expect([...code].every((c) => CODE_ALPHABET.includes(c))).toBe(true);
    }
  });

  it('accept what a learner types in any case, with spaces or a dash', () => {
    expect(normalizeCode('k7m-2qx')).toBe('K7M2QX');
    expect(normalizeCode(' K7M 2QX ')).toBe('K7M2QX');
  });

  it('refuse anything that cannot be a code', () => {
    for (const input of ['K7M2Q', 'K7M2QXX', 'K0M2QX', 'KIM2QX', '', 42, undefined, 'x'.repeat(100)]) expect(normalizeCode(input)).toBeUndefined();
  });
});

describe('display names', () => {
  it('are trimmed and their inner whitespace collapsed', () => {
    expect(validateName('  Ada    Lovelace ')).toBe('Ada Lovelace');
  });

  it('may hold letters of any script and emoji sequences', () => {
    expect(validateName('Zoë Ñúñez 山田')).toBe('Zoë Ñúñez 山田');
    expect(validateName('Sam 👩‍💻')).toBe('Sam 👩‍💻');
  });

  it('refuse control and bidi characters, empty names and long ones, saying why', () => {
    expect(refusal(() => validateName('Eve\u0007'))).toMatch(/only hold letters/);
    expect(refusal(() => validateName('Eve\u202egnp.exe'))).toMatch(/only hold letters/);
    expect(refusal(() => validateName('Eve\u200b'))).toMatch(/only hold letters/);
    expect(refusal(() => validateName('two\nlines'))).toBe('Your display name must be one line.');
    expect(refusal(() => validateName('   '))).toBe('Your display name is empty.');
    expect(refusal(() => validateName('x'.repeat(41)))).toBe('Your display name is 41 characters long; use at most 40.');
    expect(refusal(() => validateName(7))).toBe('Your display name is missing.');
  });

  it('count characters, not UTF-16 units', () => {
    expect(validateName('😀'.repeat(40))).toHaveLength(80);
  });
});

describe('titles, broadcasts and seats', () => {
  it('apply the same rules to titles', () => {
    expect(validateTitle(' Docker  security ')).toBe('Docker security');
    expect(refusal(() => validateTitle('x'.repeat(81)))).toMatch(/at most 80/);
  });

  it('let a broadcast span lines but not carry control characters', () => {
    expect(validateBroadcast('Run this:\r\n  docker ps\n')).toBe('Run this:\n  docker ps');
    expect(refusal(() => validateBroadcast('bell\u0007'))).toMatch(/printable/);
    expect(refusal(() => validateBroadcast('x'.repeat(501)))).toMatch(/at most 500/);
  });

  it('take seats from 1 to 200, as a number or digits', () => {
    expect(validateSeats(40)).toBe(40);
    expect(validateSeats('12')).toBe(12);
    for (const bad of [0, 201, 2.5, '3 seats', -1]) expect(refusal(() => validateSeats(bad))).toMatch(/1 to 200/);
  });
});

describe('durations', () => {
  it('read hours, minutes, seconds and bare minutes', () => {
    expect(parseDuration('3h')).toBe(3 * 3_600_000);
    expect(parseDuration('90m')).toBe(90 * 60_000);
    expect(parseDuration('1h30m')).toBe(90 * 60_000);
    expect(parseDuration('1h 30min')).toBe(90 * 60_000);
    expect(parseDuration('45s')).toBe(45_000);
    expect(parseDuration('45')).toBe(45 * 60_000);
    expect(parseDuration(15)).toBe(15 * 60_000);
    for (const bad of ['', 'h', 'three hours', '3d', '-5m', null]) expect(parseDuration(bad)).toBeUndefined();
  });

  it('are bounded, with the bounds in the message', () => {
    expect(validateDuration('2h', 'The duration', 60_000, 12 * 3_600_000)).toBe(2 * 3_600_000);
    expect(refusal(() => validateDuration('13h', 'The duration', 60_000, 12 * 3_600_000))).toBe('The duration must be between 1 min and 12 h, written like 3h, 90m or 1h30m.');
  });
});

describe('lessons of a workshop', () => {
  const course = [{ slug: 'compose', order: 1 }, { slug: 'inspect', order: 2 }, { slug: 'capabilities', order: 8 }, { slug: 'hardening', order: 10 }];

  it('are given by course number or slug, kept in the given order, each once', () => {
    expect(resolveLessons('2,8,10', course)).toEqual(['inspect', 'capabilities', 'hardening']);
    expect(resolveLessons(['hardening', '2', 'inspect'], course)).toEqual(['hardening', 'inspect']);
  });

  it('name the lessons there are when one is unknown', () => {
    expect(refusal(() => resolveLessons('2,99', course))).toBe('There is no lesson "99". Lessons: 1 compose, 2 inspect, 8 capabilities, 10 hardening.');
    expect(refusal(() => resolveLessons([], course))).toMatch(/at least one lesson/);
  });
});

describe('workshop status', () => {
  const workshop: Workshop = { id: 'w', code: 'K7M2QX', title: 'T', lessons: [], seats: 1, startsAt: 1_000, endsAt: 2_000, createdAt: 0 };

  it('is scheduled before the start, running until the end time, ended after it or once ended', () => {
    expect(statusOf(workshop, 999)).toBe('scheduled');
    expect(statusOf(workshop, 1_000)).toBe('running');
    expect(statusOf(workshop, 2_000)).toBe('ended');
    expect(statusOf({ ...workshop, endedAt: 1_500 }, 1_600)).toBe('ended');
  });
});

describe('workshop errors', () => {
  it('are LabErrors whose status comes from their code unless they say otherwise', () => {
    let caught: unknown;
    try {
      validateSeats(0);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(LabError);
    expect(caught).toMatchObject({ name: 'WorkshopError', code: 'BAD_REQUEST', status: 400, message: 'Seats must be a whole number from 1 to 200.' });
    expect(new WorkshopError('FULL', 'full')).toMatchObject({ status: 409 });
    expect(new WorkshopError('ENDED', 'gone', { status: 410 })).toMatchObject({ code: 'ENDED', status: 410 });
    expect(new WorkshopError('INTERNAL', 'no code free')).toMatchObject({ status: 500 });
  });
});

import { describe, expect, it } from 'vitest';
import { csvField, exportRows, toCsv } from '../../lab-server/workshops/export.ts';
import type { Seat, Workshop } from '../../lab-server/workshops/model.ts';

const workshop: Workshop = { id: 'w', code: 'K7M2QX', title: 'Room', lessons: ['caps'], seats: 2, startsAt: 0, endsAt: 3_600_000, createdAt: 0 };
const lessons = [{ slug: 'caps', number: 8, title: 'Capabilities', exercises: [{ id: 'a', title: 'Drop all' }, { id: 'b', title: 'Add one' }] }];
const seats: Seat[] = [
  { id: 's1', workshop: 'w', learner: 'cookie-1', name: 'Ada', joinedAt: 1_000 },
  { id: 's2', workshop: 'w', learner: 'cookie-2', name: '@Bob', joinedAt: 2_000 },
];
const results = [
  { seat: 's1', lab: 'caps', exercise: 'a', firstAt: 10_000, lastAt: 20_000, attempts: 4, passed: 2, total: 2, message: '', doneAt: 20_000 },
  { seat: 's1', lab: 'caps', exercise: 'b', firstAt: 10_000, lastAt: 30_000, attempts: 5, passed: 1, total: 2, message: 'The "web" container still has NET_RAW.' },
];

describe('workshop export', () => {
  it('has one row per learner per exercise, with done, the last message and times', () => {
    const data = exportRows(workshop, lessons, seats, results, 40_000);
    expect(data.rows).toHaveLength(4);
    expect(data.rows[0]).toEqual({
      learner: 'Ada', seat: 's1', joinedAt: '1970-01-01T00:00:01.000Z', lesson: 'caps', exercise: 'a', exerciseTitle: 'Drop all', done: true,
      doneAt: '1970-01-01T00:00:20.000Z', checks: 4, passed: 2, criteria: 2, lastMessage: '', lastCheckedAt: '1970-01-01T00:00:20.000Z',
    });
    expect(data.rows[1]).toMatchObject({ done: false, doneAt: null, lastMessage: 'The "web" container still has NET_RAW.' });
    expect(data.rows[3]).toMatchObject({ learner: '@Bob', done: false, checks: 0, lastCheckedAt: null });
    expect(JSON.stringify(data), 'learner cookies are credentials, never exported').not.toContain('cookie-');
    expect(data.workshop).toEqual({ code: 'K7M2QX', title: 'Room', lessons: ['caps'], seats: 2, startsAt: '1970-01-01T00:00:00.000Z', endsAt: '1970-01-01T01:00:00.000Z', endedAt: null });
  });

  it('writes CSV with a header, quoted fields and CRLF lines', () => {
    const csv = toCsv(exportRows(workshop, lessons, seats, results, 40_000));
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('learner,seat,joinedAt,lesson,exercise,exerciseTitle,done,doneAt,checks,passed,criteria,lastMessage,lastCheckedAt');
    expect(lines[2]).toContain('"The ""web"" container still has NET_RAW."');
    expect(lines[3]?.startsWith(`"'@Bob"`)).toBe(true);
    expect(lines).toHaveLength(6);
  });

  it('defuses cells a spreadsheet would run as formulas', () => {
    for (const value of ['=1+1', '+1', '-1', '@SUM(A1)', '\tx']) expect(csvField(value)).toBe(`"'${value}"`);
    expect(csvField('plain')).toBe('"plain"');
    expect(csvField(null)).toBe('""');
  });
});

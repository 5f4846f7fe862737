import { describe, expect, it } from 'vitest';
import { boardLessons, WorkshopViews } from '../../lab-server/workshops/views.ts';
import { catalog, world } from '../helpers/workshop-world.ts';

function setup() {
  const w = world();
  const views = new WorkshopViews({ store: w.store, catalog, sessions: w.sessions, now: w.now });
  return { ...w, views };
}

describe("the instructor's views", () => {
  it("list the workshop's lessons in its order, leaving out slugs the course no longer has", async () => {
    const { workshop } = setup();
    const room = await workshop({ lessons: ['caps', 'gone', 'demo'] });
    expect(boardLessons(catalog, room)).toEqual([
      { slug: 'caps', number: 2, title: 'Caps', exercises: [{ id: 'drop', title: 'Drop one' }, { id: 'add', title: 'Add one' }] },
      { slug: 'demo', number: 1, title: 'Demo', exercises: [{ id: 'make-note', title: 'Write a note' }] },
    ]);
  });

  it('build the board from the stored workshop and the live sessions', async () => {
    const { views, workshop, seat, sessions, store } = setup();
    const room = await workshop({ seats: 4 });
    seat(room, 'ada', 'Ada');
    seat(room, 'bob', 'Bob');
    sessions.add('ada', 'demo', { lastInputAt: 5 });
    store.setEndsAt(room.id, room.endsAt + 60_000);
    const board = views.board(room);
    expect(board.workshop).toMatchObject({ code: room.code, seats: 4, seatsUsed: 2, endsAt: room.endsAt + 60_000 });
    expect(board.roster.find((r) => r.name === 'Ada')).toMatchObject({ connected: true, labs: ['demo'] });
    expect(board.roster.find((r) => r.name === 'Bob')).toMatchObject({ connected: false, labs: [] });
  });

  it('export one row per seat and exercise', async () => {
    const { views, workshop, seat } = setup();
    const room = await workshop({ lessons: ['caps'] });
    seat(room, 'ada', 'Ada');
    const data = views.exportResults(room);
    expect(data.rows.map((r) => [r.learner, r.exercise, r.done])).toEqual([['Ada', 'drop', false], ['Ada', 'add', false]]);
  });
});

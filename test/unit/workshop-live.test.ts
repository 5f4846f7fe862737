import { describe, expect, it } from 'vitest';
import { liveStates, seatedSessions } from '../../lab-server/workshops/live.ts';
import { FakeSessions } from '../helpers/workshop-world.ts';

describe("what the running sessions say about a workshop's learners", () => {
  it("merges a learner's sessions: connected if one ready tab is, every lab once, the latest keystroke", () => {
    const sessions = new FakeSessions();
    sessions.add('ada', 'demo', { state: 'starting', peerCount: 1, lastInputAt: 50 });
    sessions.add('ada', 'caps', { state: 'detached', peerCount: 0, watcherCount: 1, lastInputAt: 90 });
    sessions.add('ada', 'caps', { state: 'ready', peerCount: 0, lastInputAt: 70 });
    sessions.add('bob', 'demo', { state: 'ready', peerCount: 2, lastInputAt: 10 });
    sessions.add('eve', 'demo', { state: 'expired', peerCount: 1 });
    const states = liveStates(sessions.all());
    expect(states.get('ada')).toEqual({ connected: false, labs: ['demo', 'caps'], watched: true, lastInputAt: 90 });
    expect(states.get('bob')).toEqual({ connected: true, labs: ['demo'], watched: false, lastInputAt: 10 });
    expect(states.has('eve'), 'an expired session says nothing').toBe(false);
  });

  it('finds the live sessions of seated learners only', () => {
    const sessions = new FakeSessions();
    const ada = sessions.add('ada');
    sessions.add('ada', 'caps', { state: 'expired' });
    sessions.add('eve');
    const seats = [{ id: 'seat-1', workshop: 'w', learner: 'ada', name: 'Ada', joinedAt: 0 }];
    expect(seatedSessions(sessions.all(), seats).map(({ session, seat }) => [session.id, seat.id])).toEqual([[ada.id, 'seat-1']]);
  });
});

/**
 * What the running sessions say about a workshop's learners: who has a tab connected, which labs they
 * have open, whether an instructor watches, and when they last typed. Read fresh from the session
 * manager each time; nothing here is stored.
 */
import type { Session } from '../sessions/session.ts';
import type { LiveState } from './board.ts';
import type { Seat } from './model.ts';

/** What workshops read of the session manager. */
export interface LiveSessions {
  all(): Session[];
  get(id: string): Session | undefined;
  end(id: string): void;
}

/** Each learner's live state, merged over their open sessions (one per lab, or a lab in two tabs). */
export function liveStates(sessions: Iterable<Session>): Map<string, LiveState> {
  const out = new Map<string, LiveState>();
  for (const session of sessions) {
    if (session.state === 'expired') continue;
    const state = out.get(session.learner) ?? { connected: false, labs: [], watched: false };
    state.connected ||= session.state === 'ready' && session.peerCount > 0;
    state.watched ||= session.watcherCount > 0;
    if (!state.labs.includes(session.lab.id)) state.labs.push(session.lab.id);
    state.lastInputAt = Math.max(state.lastInputAt ?? 0, session.lastInputAt);
    out.set(session.learner, state);
  }
  return out;
}

/** The live sessions of the learners holding these seats. */
export function seatedSessions(sessions: Iterable<Session>, seats: readonly Seat[]): Array<{ session: Session; seat: Seat }> {
  const byLearner = new Map(seats.map((s) => [s.learner, s]));
  const out: Array<{ session: Session; seat: Seat }> = [];
  for (const session of sessions) {
    const seat = byLearner.get(session.learner);
    if (seat && session.state !== 'expired') out.push({ session, seat });
  }
  return out;
}

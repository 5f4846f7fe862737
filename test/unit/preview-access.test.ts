import { describe, expect, it } from 'vitest';
import { PreviewAccess, TICKET_TTL_MS } from '../../lab-server/preview/access.ts';
import type { Session } from '../../lab-server/sessions/session.ts';

function world() {
  let now = 1_000;
  const sessions = new Map<string, { state: string; learner: string }>([['s1', { state: 'ready', learner: 'alice' }], ['s2', { state: 'ready', learner: 'bob' }]]);
  const access = new PreviewAccess({ sessions: { get: (id) => sessions.get(id) as unknown as Session | undefined }, now: () => now });
  return { access, sessions, advance: (ms: number) => { now += ms; } };
}

describe('preview access', () => {
  it('gives each live session one id, and none to an ended one', () => {
    const { access, sessions } = world();
    const id = access.idFor('s1');
    expect(id).toMatch(/^[a-z2-7]{26}$/);
    expect(access.idFor('s1')).toBe(id);
    expect(access.idFor('s2')).not.toBe(id);
    expect(access.sessionOf(id!)).toBe(sessions.get('s1'));
    sessions.get('s1')!.state = 'expired';
    expect(access.sessionOf(id!)).toBeUndefined();
    expect(access.idFor('s1')).toBeUndefined();
  });

  it('redeems a ticket once, on its own preview and port, before it expires', () => {
    const { access, advance } = world();
    const id = access.idFor('s1')!;
    const other = access.idFor('s2')!;
    const ticket = access.issueTicket(id, 3000, 'alice');
    expect(access.redeem(ticket, other, 3000)).toBeUndefined();
    const again = access.issueTicket(id, 3000, 'alice');
    expect(access.redeem(again, id, 8080)).toBeUndefined();
    const good = access.issueTicket(id, 3000, 'alice');
    const token = access.redeem(good, id, 3000);
    expect(token).toMatch(/^[\w-]{43}$/);
    expect(access.redeem(good, id, 3000)).toBeUndefined();
    expect(access.viewerOf(token, id)).toBe('alice');
    expect(access.viewerOf(token, other)).toBeUndefined();
    expect(access.viewerOf('forged', id)).toBeUndefined();
    const late = access.issueTicket(id, 3000, 'alice');
    advance(TICKET_TTL_MS);
    expect(access.redeem(late, id, 3000)).toBeUndefined();
  });

  it('forgets ids and tokens when the session ends', () => {
    const { access, sessions } = world();
    const id = access.idFor('s1')!;
    const token = access.redeem(access.issueTicket(id, 3000, 'alice'), id, 3000);
    sessions.delete('s1');
    expect(access.viewerOf(token, id)).toBeUndefined();
    expect(access.sweep()).toEqual(['s1']);
    sessions.set('s1', { state: 'ready', learner: 'alice' });
    expect(access.sessionOf(id)).toBeUndefined();
    expect(access.viewerOf(token, id)).toBeUndefined();
  });
});

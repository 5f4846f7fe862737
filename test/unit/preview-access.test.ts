import { describe, expect, it } from 'vitest';
import { PreviewAccess, TICKET_TTL_MS } from '../../lab-server/preview/access.ts';
import { PreviewLimits } from '../../lab-server/preview/limits.ts';
import { demuxStdout } from '../../lab-server/preview/engine.ts';
import { parseProcNetTcp, summarize } from '../../lab-server/preview/listening.ts';
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

describe('preview limits', () => {
  it('caps open requests per learner and lets others through', () => {
    const limits = new PreviewLimits({ openPerLearner: 2, burst: 100, perMinute: 6000 });
    const a = limits.admit('a');
    const b = limits.admit('a');
    expect(a.ok && b.ok).toBe(true);
    expect(limits.admit('a')).toMatchObject({ ok: false });
    expect(limits.admit('b').ok).toBe(true);
    if (a.ok) a.release();
    if (a.ok) a.release();
    expect(limits.admit('a').ok).toBe(true);
    expect(limits.admit('a').ok).toBe(false);
  });

  it('rate-limits a burst, counts WebSockets apart and caps the total', () => {
    const limits = new PreviewLimits({ burst: 3, perMinute: 1, openPerLearner: 100, webSocketsPerLearner: 1, openTotal: 5 });
    for (let i = 0; i < 3; i++) { const r = limits.admit('a'); if (r.ok) r.release(); }
    const refused = limits.admit('a');
    expect(refused).toMatchObject({ ok: false, reason: expect.stringMatching(/too many/) });
    expect(limits.admit('b', true).ok).toBe(true);
    expect(limits.admit('b', true)).toMatchObject({ ok: false });
    for (const learner of ['c', 'd', 'e', 'f']) limits.admit(learner);
    expect(limits.admit('g')).toMatchObject({ ok: false, reason: expect.stringMatching(/busy/) });
  });
});

describe('listening ports', () => {
  const tcp = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000    33        0 1 1 0 100 0 0 10 0',
    '   1: 0100007F:0BB9 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 2 1 0 100 0 0 10 0',
    '   2: 0B00007F:95F1 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3 1 0 100 0 0 10 0',
    '   3: 020014AC:0BB8 030014AC:D2F0 01 00000000:00000000 00:00000000 00000000  1000        0 4 1 0 100 0 0 10 0',
    '   4: 020014AC:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 5 1 0 100 0 0 10 0',
  ].join('\n');
  const tcp6 = [
    '  sl  local_address                         remote_address                        st',
    '   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 6',
    '   1: 00000000000000000000000001000000:1389 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 7',
    '   2: 0000000000000000FFFF00000100007F:138A 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 8',
  ].join('\n');

  it('reads listening sockets, marks loopback-only ones and leaves out Docker\'s DNS', () => {
    expect(parseProcNetTcp(`${tcp}\n${tcp6}`)).toEqual([
      { port: 8080, loopback: false }, { port: 3001, loopback: true }, { port: 3000, loopback: false },
      { port: 80, loopback: false }, { port: 5001, loopback: true }, { port: 5002, loopback: true },
    ]);
    expect(parseProcNetTcp('garbage\n 0: zz:zz zz 0A')).toEqual([]);
  });

  it('gives one entry per port, reachable when any of its sockets is', () => {
    expect(summarize('app', [{ port: 3000, loopback: true }, { port: 3000, loopback: false }, { port: 9, loopback: true }])).toEqual([
      { port: 3000, container: 'app', reachable: true }, { port: 9, container: 'app', reachable: false },
    ]);
  });

  it('takes standard output out of Docker\'s multiplexed stream', () => {
    const frame = (type: number, text: string) => Buffer.concat([Buffer.from([type, 0, 0, 0, 0, 0, 0, text.length]), Buffer.from(text)]);
    expect(demuxStdout(Buffer.concat([frame(1, 'out1'), frame(2, 'err'), frame(1, 'out2'), Buffer.from([1, 0, 0])])).toString()).toBe('out1out2');
  });
});

import { describe, expect, it } from 'vitest';
import { createLogger, hashId, pathOf, prettyLine, sentenceLog } from '../../lab-server/ops/log.ts';

function capture(format: 'json' | 'pretty' = 'json') {
  const lines: string[] = [];
  const log = createLogger({ format, level: 'debug', destination: { write: (text: string) => void lines.push(text) } });
  return { log, lines };
}

describe('the logger', () => {
  it('writes one JSON object per line with time, level, event and msg', () => {
    const { log, lines } = capture();
    log.info({ event: 'session.started', lab: 'demo', duration_ms: 120 }, 'Started a warm sandbox');
    expect(lines).toHaveLength(1);
    expect(lines[0]!.endsWith('\n')).toBe(true);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'info', event: 'session.started', lab: 'demo', duration_ms: 120, msg: 'Started a warm sandbox' });
    expect(Date.parse(String(line.time))).not.toBeNaN();
    expect(line).not.toHaveProperty('pid');
  });

  it('hashes session, learner and viewer ids, also in child bindings, and censors credentials', () => {
    const { log, lines } = capture();
    const session = 'f_QPWFPy_kGTlQRCT5m0QiEd';
    const learner = '7b0c1a52-cookie-value-of-a-learner';
    log.warn({ event: 'x.y', session, learner, viewer: learner, ticket: 't-123456', secret: 's-123456', nested: { token: 'k-123456' } }, 'something');
    log.child({ session }).info({ event: 'x.z' }, 'child');
    const text = lines.join('');
    for (const raw of [session, learner, 't-123456', 's-123456', 'k-123456']) expect(text).not.toContain(raw);
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(first.session).toBe(hashId(session));
    expect(first.learner).toMatch(/^[0-9a-f]{12}$/);
    expect(first.ticket).toBe('[redacted]');
    expect((JSON.parse(lines[1]!) as Record<string, unknown>).session).toBe(hashId(session));
  });

  it('hashes a logged id also where an error message names it (a container name, a socket path)', () => {
    const { log, lines } = capture();
    const session = 'f_QPWFPy_kGTlQRCT5m0QiEd';
    log.warn({ event: 'session.start_failed', session, err: `Conflict. The container name "/bulkhead-default-${session}" is already in use` }, 'A sandbox did not start');
    expect(lines[0]).not.toContain(session);
    expect((JSON.parse(lines[0]!) as { err: string }).err).toBe(`Conflict. The container name "/bulkhead-default-${hashId(session)}" is already in use`);
  });

  it('logs a URL by its path only, so a ticket in the query never reaches a line', () => {
    expect(pathOf('/ws?ticket=abc')).toBe('/ws');
    expect(pathOf(undefined)).toBe('');
  });

  it('writes a readable line when asked for pretty output', () => {
    const { log, lines } = capture('pretty');
    log.info({ event: 'server.listening', url: 'http://localhost:8080' }, 'Bulkhead is running at http://localhost:8080');
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  server\.listening  Bulkhead is running at http:\/\/localhost:8080  url=http:\/\/localhost:8080\n$/);
    expect(prettyLine('not json')).toBe('not json');
  });

  it('drops lines below its level', () => {
    const lines: string[] = [];
    const log = createLogger({ format: 'json', level: 'warn', destination: { write: (text: string) => void lines.push(text) } });
    log.info({ event: 'a.b' }, 'quiet');
    log.warn({ event: 'a.c' }, 'loud');
    expect(lines.map((l) => (JSON.parse(l) as { event: string }).event)).toEqual(['a.c']);
  });
});

describe('a room that logs in sentences (the gate)', () => {
  it('turns the sentence into the event name and keeps the fields, ids hashed', () => {
    const lines: string[] = [];
    const log = sentenceLog(createLogger({ format: 'json', destination: { write: (text: string) => void lines.push(text) } }));
    log.warn('gate: engine unreachable', { session: 'raw-session-id-123', error: 'ECONNREFUSED' });
    log.warn('gate: could not chown the socket to the learner; it is 0666 inside its directory', {});
    const [first, second] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(first).toMatchObject({ level: 'warn', event: 'gate.engine_unreachable', session: hashId('raw-session-id-123'), error: 'ECONNREFUSED', msg: 'gate: engine unreachable' });
    expect(second?.event).toBe('gate.could_not_chown_the_socket_to_the_learner');
  });
});

import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ServerControl } from '../../src/lib/protocol.ts';
import type { SandboxHandle } from '../../lab-server/runtime/sandbox-runtime.ts';
import { DEFAULT_TIMEOUTS, PROMPT_MARKER, Session, type SessionPeer } from '../../lab-server/sessions/session.ts';

const MINUTE = 60_000;
const SANDBOX: SandboxHandle = { id: 'c', session: 's', lab: 'demo' };
const T0 = 1_000_000;

/** A session created at T0 over a fake shell; `started` runs the shell (as the manager does once the sandbox is up). */
function session(options: { started?: boolean; now?: number } = {}) {
  const stream = new PassThrough();
  const expired: Array<SandboxHandle | undefined> = [];
  const s = new Session({
    id: 'x'.repeat(24), lab: { id: 'demo' }, learner: 'l', ip: '', timeouts: DEFAULT_TIMEOUTS, now: T0,
    onExpire: (_session, sandbox) => expired.push(sandbox),
  });
  if (options.started ?? true) s.run(SANDBOX, { stream, resize: async () => undefined, exitCode: () => new Promise(() => undefined) }, options.now ?? T0);
  let prompts = 0;
  s.onPrompt(() => prompts++);
  return { s, expired, write: (b: Buffer) => stream.emit('data', b), prompts: () => prompts };
}

function peer() {
  const controls: ServerControl[] = [];
  const closed: string[] = [];
  const p: SessionPeer = { output: () => undefined, control: (m) => controls.push(m), close: (reason) => closed.push(reason), backlog: () => 0 };
  return { p, controls, closed, types: () => controls.map((m) => m.type) };
}

describe('prompt marker detection', () => {
  it('sees the marker inside a chunk, split across two chunks, and split byte by byte', () => {
    const s = session();
    s.write(Buffer.concat([Buffer.from('output\r\n'), PROMPT_MARKER, Buffer.from('$ ')]));
    expect(s.prompts()).toBe(1);
    s.write(Buffer.concat([Buffer.alloc(5000, 97), PROMPT_MARKER.subarray(0, 6)]));
    s.write(Buffer.concat([PROMPT_MARKER.subarray(6), Buffer.alloc(5000, 98)]));
    expect(s.prompts()).toBe(2);
    for (const byte of PROMPT_MARKER) s.write(Buffer.of(byte));
    expect(s.prompts()).toBe(3);
  });

  it('does not fire on output that only resembles it', () => {
    const s = session();
    s.write(Buffer.from('\x1b]6973;promp\x07 \x1b]6972;prompt\x07'));
    expect(s.prompts()).toBe(0);
  });
});

describe('a session on the clock', () => {
  it('leaves a session that is still starting alone, even past its hard limit', () => {
    const { s, expired } = session({ started: false });
    s.tick(T0 + 10 * DEFAULT_TIMEOUTS.hardMs);
    expect(s.state).toBe('starting');
    expect(expired).toEqual([]);
  });

  it('removes a shell started with no tab attached once the detached grace is over', () => {
    const { s, expired } = session({ now: T0 + MINUTE });
    expect(s.state).toBe('detached');
    s.tick(T0 + MINUTE + DEFAULT_TIMEOUTS.detachedGraceMs - 1);
    expect(s.state).toBe('detached');
    s.tick(T0 + MINUTE + DEFAULT_TIMEOUTS.detachedGraceMs);
    expect(s.state).toBe('expired');
    expect(s.expiryReason).toBe('detached');
    expect(expired).toEqual([SANDBOX]);
  });

  it('counts the grace from the last tab leaving, and a returning tab cancels it', () => {
    const { s } = session();
    const tab = peer();
    s.attach(tab.p);
    expect(s.state).toBe('ready');
    s.detach(tab.p, T0 + MINUTE);
    expect(s.state).toBe('detached');
    s.tick(T0 + MINUTE + DEFAULT_TIMEOUTS.detachedGraceMs - 1);
    s.attach(tab.p, 0);
    s.tick(T0 + MINUTE + DEFAULT_TIMEOUTS.detachedGraceMs);
    expect(s.state).toBe('ready');
  });

  it('expires after the idle timeout since the last keystroke, telling the tab why and closing it', () => {
    const { s, expired } = session();
    const tab = peer();
    s.attach(tab.p);
    const typed = T0 + 5 * MINUTE;
    expect(s.input(tab.p, Buffer.from('ls\r'), typed)).toBe(true);
    s.tick(typed + DEFAULT_TIMEOUTS.idleMs - 1);
    expect(s.state).toBe('ready');
    s.tick(typed + DEFAULT_TIMEOUTS.idleMs);
    expect(s.state).toBe('expired');
    expect(tab.controls.at(-1)).toMatchObject({ type: 'expired', reason: 'idle' });
    expect(tab.closed).toEqual(['idle']);
    expect(expired).toEqual([SANDBOX]);
  });

  it('warns every tab once before the hard limit, then expires at it and only once', () => {
    const { s, expired } = session();
    const first = peer();
    const second = peer();
    s.attach(first.p);
    s.attach(second.p);
    const warnAt = s.expiresAt - DEFAULT_TIMEOUTS.warnBeforeMs;
    // Keep typing so idleness never decides.
    for (let now = T0; now < s.expiresAt; now += MINUTE) {
      s.input(second.p, Buffer.from('x'), now);
      s.tick(now);
      expect(s.state, `at minute ${(now - T0) / MINUTE}`).toBe('ready');
    }
    for (const tab of [first, second]) expect(tab.types().filter((t) => t === 'expiring')).toEqual(['expiring']);
    expect(second.controls.find((m) => m.type === 'expiring')).toEqual({ type: 'expiring', expiresAt: s.expiresAt });
    expect(warnAt).toBeGreaterThan(T0);
    s.tick(s.expiresAt);
    s.tick(s.expiresAt + MINUTE);
    expect(s.expiryReason).toBe('limit');
    expect(first.controls.at(-1)).toMatchObject({ type: 'expired', reason: 'limit' });
    expect(expired).toEqual([SANDBOX]);
  });

  it('does not take input once expired', () => {
    const { s } = session();
    const tab = peer();
    s.attach(tab.p);
    s.expire('ended');
    expect(s.input(tab.p, Buffer.from('x'))).toBe(false);
  });
});

import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMEOUTS, PROMPT_MARKER, Session } from '../../lab-server/sessions/session.ts';

function session() {
  const stream = new PassThrough();
  const s = new Session({ id: 'x'.repeat(24), lab: { id: 'demo' }, learner: 'l', ip: '', timeouts: DEFAULT_TIMEOUTS, now: Date.now(), onExpire: () => undefined });
  s.run({ id: 'c', session: 's', lab: 'demo' }, { stream, resize: async () => undefined, exitCode: () => new Promise(() => undefined) });
  let prompts = 0;
  s.onPrompt(() => prompts++);
  return { write: (b: Buffer) => stream.emit('data', b), prompts: () => prompts };
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

import { describe, expect, it } from 'vitest';
import { demuxStdout } from '../../lab-server/preview/engine.ts';

describe('the preview engine client', () => {
  it('takes standard output out of Docker\'s multiplexed stream', () => {
    const frame = (type: number, text: string) => Buffer.concat([Buffer.from([type, 0, 0, 0, 0, 0, 0, text.length]), Buffer.from(text)]);
    expect(demuxStdout(Buffer.concat([frame(1, 'out1'), frame(2, 'err'), frame(1, 'out2'), Buffer.from([1, 0, 0])])).toString()).toBe('out1out2');
  });
});

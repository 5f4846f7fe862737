import { describe, expect, it } from 'vitest';
import { OutputBuffer } from '../../lab-server/sessions/output-buffer.ts';

describe('the output replay buffer', () => {
  it('replays exactly the bytes after an offset', () => {
    const buffer = new OutputBuffer(16);
    buffer.append(Buffer.from('hello '));
    buffer.append(Buffer.from('world'));
    expect(buffer.end).toBe(11);
    expect(buffer.since(6).data.toString()).toBe('world');
    expect(buffer.since(11).data.length).toBe(0);
  });

  it('keeps only the newest bytes and reports what was lost', () => {
    const buffer = new OutputBuffer(8);
    buffer.append(Buffer.from('0123456789'));
    buffer.append(Buffer.from('abc'));
    expect(buffer.oldest).toBe(5);
    const { data, lost } = buffer.since(2);
    expect(data.toString()).toBe('56789abc');
    expect(lost).toBe(3);
  });
});

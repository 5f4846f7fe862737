import { describe, expect, it } from 'vitest';
import {
  MAX_COLS, MAX_FRAME_BYTES, OP_INPUT, OP_OUTPUT, OP_RESIZE, ProtocolError, decodeBinary, encodeData, encodeResize, parseClientControl,
} from '../../src/lib/protocol.ts';

describe('terminal protocol', () => {
  it('round-trips input and output frames', () => {
    const data = new TextEncoder().encode('ls -l\r');
    expect(decodeBinary(encodeData(OP_INPUT, data))).toEqual({ op: OP_INPUT, data });
    expect(decodeBinary(encodeData(OP_OUTPUT, data)).op).toBe(OP_OUTPUT);
  });

  it('round-trips resize frames and clamps sizes on encode', () => {
    expect(decodeBinary(encodeResize(120, 40))).toEqual({ op: OP_RESIZE, cols: 120, rows: 40 });
    expect(decodeBinary(encodeResize(100_000, 0))).toEqual({ op: OP_RESIZE, cols: MAX_COLS, rows: 2 });
  });

  it('rejects unknown opcodes, empty, oversized and malformed resize frames', () => {
    expect(() => decodeBinary(new Uint8Array())).toThrow(ProtocolError);
    expect(() => decodeBinary(Uint8Array.of(9, 1))).toThrow(/unknown opcode/);
    expect(() => decodeBinary(new Uint8Array(MAX_FRAME_BYTES + 2))).toThrow(/too large/);
    expect(() => decodeBinary(Uint8Array.of(OP_RESIZE, 0, 80))).toThrow(/5 bytes/);
    expect(() => decodeBinary(Uint8Array.of(OP_RESIZE, 0xff, 0xff, 0, 24))).toThrow(/outside/);
  });

  it('accepts a well-formed hello and a resume', () => {
    expect(parseClientControl('{"type":"hello","v":1,"cols":80,"rows":24}')).toEqual({ type: 'hello', v: 1, cols: 80, rows: 24 });
    const resume = parseClientControl(JSON.stringify({ type: 'hello', v: 1, cols: 80, rows: 24, resume: { session: 'a'.repeat(24), offset: 42 } }));
    expect(resume.type === 'hello' && resume.resume).toEqual({ session: 'a'.repeat(24), offset: 42 });
  });

  it('refuses malformed control messages with a reason', () => {
    expect(() => parseClientControl('not json')).toThrow(/JSON objects/);
    expect(() => parseClientControl('[1]')).toThrow(/JSON objects/);
    expect(() => parseClientControl('{"type":"shell"}')).toThrow(/unknown message type/);
    expect(() => parseClientControl('{"type":"hello","v":2,"cols":80,"rows":24}')).toThrow(/protocol 1/);
    expect(() => parseClientControl('{"type":"hello","v":1,"cols":80,"rows":24,"cmd":"rm"}')).toThrow(/unknown field/);
    expect(() => parseClientControl('{"type":"hello","v":1,"cols":9999,"rows":24}')).toThrow(/terminal size/);
    expect(() => parseClientControl('{"type":"hello","v":1,"cols":80,"rows":24,"resume":{"session":"../x","offset":0}}')).toThrow(/resume/);
  });
});

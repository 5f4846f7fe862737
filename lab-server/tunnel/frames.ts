/**
 * The tunnel's wire format, shared by both ends: a frame is a type (1 byte), a channel id (4 bytes, big
 * endian), a payload length (4 bytes) and the payload. The relay numbers the channels it accepts odd,
 * lab-server numbers the ones it opens even, so neither end can pick an id the other uses.
 */
export const FRAME = {
  /** relay → server: listening (payload: the socket path, or empty). */
  READY: 0,
  /** relay → server: a client connected to the socket; the id is the new channel's. */
  OPEN: 1,
  DATA: 2,
  /** No more data from the sender on this channel (a half close). */
  EOF: 3,
  /** The channel is gone; a payload is the reason it failed. */
  CLOSE: 4,
  /** server → relay: open a TCP connection (payload: "address port"). */
  CONNECT: 5,
  /** relay → server: the CONNECT succeeded. */
  CONNECTED: 6,
  /** The receiver consumed this many bytes (payload: 4-byte count): the sender may send that much more. */
  WINDOW: 7,
} as const;

export const HEADER_BYTES = 9;
/** Unacknowledged bytes in flight per channel and direction. */
export const WINDOW_BYTES = 256 * 1024;
/** Largest DATA payload either end sends. */
export const CHUNK_BYTES = 64 * 1024;
/** Channels open at once per tunnel (the gate served at most this many connections before). */
export const MAX_CHANNELS = 64;
/** A frame longer than this is a broken peer, not data. */
export const MAX_FRAME_BYTES = 4 * WINDOW_BYTES;

export function encodeFrame(type: number, channel: number, payload: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeUInt8(type, 0);
  header.writeUInt32BE(channel, 1);
  header.writeUInt32BE(body.length, 5);
  return Buffer.concat([header, body]);
}

export interface Frame { type: number; channel: number; payload: Buffer }

/** Splits a byte stream into frames; throws on a frame no relay would send. */
export class FrameReader {
  private pending: Buffer[] = [];

  push(chunk: Buffer): Frame[] {
    this.pending.push(chunk);
    const frames: Frame[] = [];
    let buffer = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    let offset = 0;
    while (buffer.length - offset >= HEADER_BYTES) {
      const length = buffer.readUInt32BE(offset + 5);
      if (length > MAX_FRAME_BYTES) throw new Error(`the relay sent a frame of ${length} bytes`);
      if (buffer.length - offset < HEADER_BYTES + length) break;
      frames.push({ type: buffer.readUInt8(offset), channel: buffer.readUInt32BE(offset + 1), payload: buffer.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + length) });
      offset += HEADER_BYTES + length;
    }
    buffer = buffer.subarray(offset);
    this.pending = buffer.length ? [buffer] : [];
    return frames;
  }
}

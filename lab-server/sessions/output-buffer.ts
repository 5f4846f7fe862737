/**
 * The last N bytes of a session's terminal output, addressed by absolute offset (bytes since the shell
 * started). A reconnecting browser says how many bytes it has; it gets exactly the rest, no gap and no
 * duplicate, as long as those bytes are still held.
 */
export const REPLAY_BUFFER_BYTES = 256 * 1024;

export class OutputBuffer {
  private readonly capacity: number;
  private chunks: Buffer[] = [];
  private held = 0;
  /** Offset of the first byte still held. */
  private start = 0;

  constructor(capacity = REPLAY_BUFFER_BYTES) {
    this.capacity = capacity;
  }

  /** Offset just past the newest byte: the total output so far. */
  get end(): number {
    return this.start + this.held;
  }

  get oldest(): number {
    return this.start;
  }

  append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.held += chunk.length;
    while (this.held - (this.chunks[0]?.length ?? 0) >= this.capacity) {
      const dropped = this.chunks.shift() as Buffer;
      this.held -= dropped.length;
      this.start += dropped.length;
    }
    if (this.held > this.capacity) {
      // Trim inside the oldest chunk so memory stays bounded even for one huge chunk.
      const excess = this.held - this.capacity;
      this.chunks[0] = (this.chunks[0] as Buffer).subarray(excess);
      this.held -= excess;
      this.start += excess;
    }
  }

  /** Bytes from `offset` to the end; `lost` counts bytes before the oldest held one that can't be replayed. */
  since(offset: number): { data: Buffer; lost: number } {
    const from = Math.max(offset, this.start);
    const lost = Math.max(0, this.start - offset);
    if (from >= this.end) return { data: Buffer.alloc(0), lost };
    const all = Buffer.concat(this.chunks, this.held);
    return { data: all.subarray(from - this.start), lost };
  }
}

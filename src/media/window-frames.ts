/**
 * Cuts a raw byte stream into frames of `frameBytes` each. Every frame gets its own Buffer
 * (a consumer may keep it), filled by copying: no per-pixel work, one buffer per frame, taken
 * from `take` (a FramePool) when given.
 */
export class FrameAssembler {
  private current: Buffer;
  private filled = 0;
  private readonly take: (bytes: number) => Buffer;

  constructor(
    private readonly frameBytes: number,
    take?: (bytes: number) => Buffer,
  ) {
    if (!Number.isInteger(frameBytes) || frameBytes <= 0) throw new RangeError(`bad frame size ${frameBytes}`);
    this.take = take ?? ((n) => Buffer.allocUnsafe(n));
    this.current = this.take(frameBytes);
  }

  /** The frames completed by `chunk`, in order. */
  push(chunk: Buffer): Buffer[] {
    const done: Buffer[] = [];
    let off = 0;
    while (off < chunk.length) {
      const n = Math.min(this.frameBytes - this.filled, chunk.length - off);
      chunk.copy(this.current, this.filled, off, off + n);
      this.filled += n;
      off += n;
      if (this.filled === this.frameBytes) {
        done.push(this.current);
        this.current = this.take(this.frameBytes);
        this.filled = 0;
      }
    }
    return done;
  }

  /** Bytes of an incomplete last frame (0 when the stream ended on a frame boundary). */
  get pendingBytes(): number {
    return this.filled;
  }
}

/**
 * Frame buffers for reuse between windows. A window's frames (16 to 24 of about 0.7 MB at 640 px)
 * are all dropped together once its portrait is cut; allocating them afresh for every creation
 * made V8 run a full mark-compact about once per creation (external memory pressure).
 * Bounded: at most `maxBuffers` are kept, all of one size (the most recent one asked for).
 */
export class FramePool {
  private free: Buffer[] = [];
  private size = 0;

  constructor(private readonly maxBuffers: number) {}

  take(bytes: number): Buffer {
    if (bytes === this.size) {
      const buf = this.free.pop();
      if (buf) return buf;
    }
    return Buffer.allocUnsafeSlow(bytes);
  }

  /** Hands a buffer back; the caller must not touch it afterwards. */
  give(buf: Buffer): void {
    if (buf.length !== this.size) {
      this.size = buf.length;
      this.free = [];
    }
    if (this.free.length < this.maxBuffers && !this.free.includes(buf)) this.free.push(buf);
  }

  get kept(): number {
    return this.free.length;
  }
}

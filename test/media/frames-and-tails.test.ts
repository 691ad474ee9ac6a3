import { describe, expect, it } from 'vitest';
import { TailBuffer } from '../../src/ffmpeg/tail-buffer.js';
import { createFrameChooser } from '../../src/media/choose-frame.js';
import { FramePool } from '../../src/media/frame-pool.js';
import { PacketSpan } from '../../src/media/probe-duration.js';
import { frameTime } from '../../src/media/window.js';
import { FrameAssembler } from '../../src/media/window-frames.js';

describe('FrameAssembler', () => {
  it('cuts a stream into frames whatever the chunk boundaries', () => {
    const bytes = Buffer.from(Array.from({ length: 30 }, (_, i) => i));
    for (const chunkSize of [1, 4, 7, 10, 11, 30]) {
      const a = new FrameAssembler(10);
      const frames: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += chunkSize) frames.push(...a.push(bytes.subarray(i, i + chunkSize)));
      expect(frames.map((f) => [...f])).toEqual([0, 1, 2].map((k) => [...bytes.subarray(k * 10, k * 10 + 10)]));
      expect(a.pendingBytes).toBe(0);
    }
  });
  it('gives every frame its own buffer and reports a partial tail', () => {
    const a = new FrameAssembler(4);
    const [f1, f2] = a.push(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect(f1).not.toBe(f2);
    expect(f1.buffer === f2.buffer && f1.byteOffset === f2.byteOffset).toBe(false);
    expect(a.pendingBytes).toBe(1);
  });
  it('refuses a nonsense frame size', () => {
    expect(() => new FrameAssembler(0)).toThrow(RangeError);
  });
});

describe('FramePool', () => {
  it('reuses buffers handed back, of the size asked for, and keeps at most its bound', () => {
    const pool = new FramePool(2);
    const a = pool.take(12);
    const b = pool.take(12);
    const c = pool.take(12);
    for (const x of [a, b, c]) pool.give(x);
    expect(pool.kept).toBe(2);
    const again = [pool.take(12), pool.take(12), pool.take(12)];
    expect(again.filter((x) => x === a || x === b || x === c)).toHaveLength(2);
    expect(pool.take(8)).toHaveLength(8); // another size: a fresh buffer
  });

  it('drops buffers of an older size when the size changes, and ignores a buffer given twice', () => {
    const pool = new FramePool(4);
    const small = pool.take(8);
    pool.give(small);
    pool.give(small);
    expect(pool.kept).toBe(1);
    pool.give(pool.take(16));
    expect(pool.kept).toBe(1);
    expect(pool.take(8)).not.toBe(small);
  });

  it('feeds the assembler, and a chooser hands every offered frame back at dispose', async () => {
    const pool = new FramePool(8);
    const a = new FrameAssembler(4, (n) => pool.take(n));
    const frames = a.push(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]));
    const chooser = createFrameChooser({ detector: null, scoreSharpness: () => 1, recycle: (d) => pool.give(d) });
    for (const [i, data] of frames.entries()) await chooser.offer({ timeSec: i, width: 1, height: 1, data });
    expect((await chooser.result())!.frame.data).toBe(frames[0]);
    chooser.dispose();
    expect(pool.kept).toBe(2);
    const next = new FrameAssembler(4, (n) => pool.take(n)).push(Buffer.from([9, 9, 9, 9]));
    expect(frames).toContain(next[0]);
    expect([...next[0]]).toEqual([9, 9, 9, 9]);
  });
});

describe('frameTime', () => {
  it('counts from the window start at the frame rate', () => {
    expect(frameTime({ startSec: 4, frameFps: 8 }, 0)).toBe(4);
    expect(frameTime({ startSec: 4, frameFps: 8 }, 4)).toBe(4.5);
  });
});

describe('TailBuffer', () => {
  it('keeps only the last bytes', () => {
    const t = new TailBuffer(8);
    for (const s of ['hello ', 'wide ', 'world']) t.push(Buffer.from(s));
    expect(t.toString()).toBe('de world');
    t.push(Buffer.from('0123456789abc'));
    expect(t.toString()).toBe('56789abc');
  });
});

describe('PacketSpan', () => {
  it('measures first pts to last pts + duration across split lines', () => {
    const s = new PacketSpan();
    s.push('0.000000,0.040000\n0.04');
    s.push('0000,0.040000\n1.960000,0.040000\n');
    expect(s.result()).toBeCloseTo(2, 6);
  });
  it('ignores N/A and empty lines, and tells null when nothing is timed', () => {
    const s = new PacketSpan();
    s.push('N/A,N/A\n\n');
    expect(s.result()).toBeNull();
    const t = new PacketSpan();
    t.push('1.0,N/A\n3.5,0.5');
    expect(t.result()).toBeCloseTo(3, 6);
  });
});

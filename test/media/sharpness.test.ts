import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RgbFrame } from '../../src/characters/ports.js';
import { probeMedia } from '../../src/media/probe.js';
import { scoreSharpness } from '../../src/media/sharpness.js';
import { extractWindow } from '../../src/media/window.js';
import { makeVideo } from '../support/videos.js';

function frame(width: number, height: number, lumaAt: (x: number, y: number) => number): RgbFrame {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const v = lumaAt(x, y);
      data.fill(v, (y * width + x) * 3, (y * width + x) * 3 + 3);
    }
  return { width, height, data, timeSec: 0 };
}

const checker = (size: number) => (x: number, y: number) => ((Math.floor(x / size) + Math.floor(y / size)) % 2 ? 255 : 0);

describe('scoreSharpness (synthetic)', () => {
  it('is 0 on a flat picture and high on fine detail', () => {
    expect(scoreSharpness(frame(64, 48, () => 128))).toBe(0);
    expect(scoreSharpness(frame(64, 48, checker(2)))).toBeGreaterThan(1000);
  });

  it('ranks a hard edge above a soft ramp', () => {
    const hard = frame(64, 64, (x) => (x < 32 ? 0 : 255));
    const soft = frame(64, 64, (x) => Math.max(0, Math.min(255, (x - 16) * 8)));
    expect(scoreSharpness(hard)).toBeGreaterThan(scoreSharpness(soft) * 4);
  });

  it('scores a region on its own', () => {
    // Left half detailed, right half flat.
    const f = frame(64, 32, (x, y) => (x < 32 ? checker(2)(x, y) : 100));
    expect(scoreSharpness(f, { x: 32, y: 0, width: 32, height: 32 })).toBe(0);
    expect(scoreSharpness(f, { x: 0, y: 0, width: 32, height: 32 })).toBeGreaterThan(1000);
  });

  it('clamps regions to the frame and gives 0 for degenerate ones', () => {
    const f = frame(32, 32, checker(2));
    expect(scoreSharpness(f, { x: -10, y: -10, width: 100, height: 100 })).toBe(scoreSharpness(f));
    expect(scoreSharpness(f, { x: 40, y: 40, width: 10, height: 10 })).toBe(0);
    expect(scoreSharpness(f, { x: 0, y: 0, width: 2, height: 2 })).toBe(0);
  });

  it('downsamples large frames and still tells detail from blur', () => {
    const sharp = frame(1920, 1080, checker(8));
    const blurry = frame(1920, 1080, (x) => 128 + 100 * Math.sin(x / 200));
    expect(scoreSharpness(sharp)).toBeGreaterThan(scoreSharpness(blurry) * 100);
  });
});

describe('scoreSharpness on decoded frames', () => {
  it('scores the blurred stretch of a video clearly lower than its sharp parts', async () => {
    const src = await makeVideo({ durationSec: 3, width: 640, height: 360, blur: { fromSec: 1, toSec: 2 }, audio: false });
    const dir = await mkdtemp(join(tmpdir(), 'sharpness-test-'));
    try {
      const scores: Array<{ t: number; s: number }> = [];
      await extractWindow(src, await probeMedia(src), { startSec: 0, endSec: 3, clipPath: join(dir, 'c.mp4') }, (f) => {
        scores.push({ t: f.timeSec, s: scoreSharpness(f) });
      });
      // Keep clear of the edges of the blurred stretch (one frame either side).
      const blurred = scores.filter(({ t }) => t > 1.15 && t < 1.85).map(({ s }) => s);
      const sharp = scores.filter(({ t }) => t < 0.85 || t > 2.15).map(({ s }) => s);
      expect(blurred.length).toBeGreaterThan(3);
      expect(sharp.length).toBeGreaterThan(6);
      expect(Math.max(...blurred) * 5).toBeLessThan(Math.min(...sharp));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

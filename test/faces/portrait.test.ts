import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { RgbFrame } from '../../src/characters/ports.js';
import { createHumanFaceDetector } from '../../src/media/faces/human-detector.js';
import { cutPortrait, PORTRAIT_SIZE, portraitRegion } from '../../src/media/portrait.js';
import { sceneWithFace } from '../support/faces.js';

async function decodeWebp(buf: Buffer): Promise<RgbFrame> {
  const { data, info } = await sharp(buf).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { timeSec: 0, width: info.width, height: info.height, data };
}

describe('portraitRegion', () => {
  it('is a square about twice the face, with headroom, inside the frame', () => {
    const r = portraitRegion(1280, 720, { x: 600, y: 300, width: 100, height: 120 });
    expect(r.width).toBe(240);
    expect(r.height).toBe(240);
    expect(r.x + r.width / 2).toBeCloseTo(650, 0);
    const faceCy = 360;
    expect(faceCy - r.y).toBeGreaterThan(r.y + r.height - faceCy); // more room above than below
  });

  it('moves the square inside the frame at an edge instead of padding', () => {
    const r = portraitRegion(640, 360, { x: 0, y: 0, width: 80, height: 80 });
    expect(r).toEqual({ x: 0, y: 0, width: 160, height: 160 });
    const s = portraitRegion(640, 360, { x: 580, y: 300, width: 60, height: 60 });
    expect(s.x + s.width).toBe(640);
    expect(s.y + s.height).toBe(360);
  });

  it('shrinks the square to the frame when the face is large', () => {
    const r = portraitRegion(640, 360, { x: 200, y: 20, width: 300, height: 320 });
    expect(r.width).toBe(360);
    expect(r.y).toBe(0);
    expect(r.x).toBeGreaterThanOrEqual(0);
    expect(r.x + r.width).toBeLessThanOrEqual(640);
  });
});

describe('cutPortrait', () => {
  const detector = createHumanFaceDetector();

  it('gives a 512x512 WebP with the face found again near the centre', async () => {
    const frame = await sceneWithFace(1280, 720, { left: 860, top: 200, width: 200 });
    const [face] = await detector.detect(frame);
    expect(face).toBeDefined();
    const t0 = performance.now();
    const webp = await cutPortrait(frame, face);
    console.info(`portrait ${(performance.now() - t0).toFixed(1)} ms (1280x720 frame, face box)`);
    const meta = await sharp(webp).metadata();
    expect(meta.format).toBe('webp');
    expect([meta.width, meta.height]).toEqual([PORTRAIT_SIZE, PORTRAIT_SIZE]);
    const [again] = await detector.detect(await decodeWebp(webp));
    expect(again).toBeDefined();
    const cx = again.x + again.width / 2;
    const cy = again.y + again.height / 2;
    expect(Math.abs(cx - 256)).toBeLessThan(40);
    expect(cy).toBeGreaterThan(256 - 20); // headroom: face centre at or a bit below the middle
    expect(cy).toBeLessThan(256 + 70);
    expect(again.width).toBeGreaterThan(512 / 2.6);
    expect(again.width).toBeLessThan(512 / 1.5);
  });

  it('without a face, crops the salient subject', async () => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360"><rect width="640" height="360" fill="#777"/><circle cx="520" cy="180" r="60" fill="#1030e0"/></svg>`;
    const { data, info } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const t0 = performance.now();
    const webp = await cutPortrait({ timeSec: 0, width: info.width, height: info.height, data }, null);
    console.info(`portrait ${(performance.now() - t0).toFixed(1)} ms (640x360 frame, saliency)`);
    const out = await decodeWebp(webp);
    expect([out.width, out.height]).toEqual([512, 512]);
    // the blue disc is inside the crop: the middle of the portrait's right half is blue
    let blue = 0;
    for (let i = 0; i < out.data.length; i += 3) if (out.data[i + 2] > 180 && out.data[i] < 80) blue++;
    expect(blue / (512 * 512)).toBeGreaterThan(0.1);
  });
});

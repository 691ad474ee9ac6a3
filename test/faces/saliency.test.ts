import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { RgbFrame } from '../../src/characters/ports.js';
import { findSalientSubject } from '../../src/media/faces/saliency.js';

/** A dull grey frame with one saturated, detailed object centred at (cx, cy). */
async function frameWithObject(cx: number, cy: number): Promise<RgbFrame> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360">
    <rect width="640" height="360" fill="#808080"/>
    <circle cx="${cx}" cy="${cy}" r="50" fill="#e02020"/>
    <circle cx="${cx - 15}" cy="${cy - 10}" r="12" fill="#ffffff"/>
    <rect x="${cx - 30}" y="${cy + 15}" width="60" height="10" fill="#101010"/>
  </svg>`;
  const { data, info } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { timeSec: 0, width: info.width, height: info.height, data };
}

describe('findSalientSubject', () => {
  it('puts the square around the salient object, inside the frame', async () => {
    for (const [cx, cy] of [
      [480, 120],
      [150, 250],
    ] as const) {
      const s = await findSalientSubject(await frameWithObject(cx, cy));
      expect(s.width).toBe(s.height);
      expect(s.width).toBe(Math.round(360 * 0.8));
      expect(s.x).toBeGreaterThanOrEqual(0);
      expect(s.y).toBeGreaterThanOrEqual(0);
      expect(s.x + s.width).toBeLessThanOrEqual(640);
      expect(s.y + s.height).toBeLessThanOrEqual(360);
      expect(Math.abs(s.focusX - cx)).toBeLessThan(60);
      expect(Math.abs(s.focusY - cy)).toBeLessThan(60);
      expect(cx).toBeGreaterThan(s.x);
      expect(cx).toBeLessThan(s.x + s.width);
    }
  });

  it('honours the fraction and stays inside a portrait-orientation frame', async () => {
    const frame: RgbFrame = { timeSec: 0, width: 180, height: 320, data: Buffer.alloc(180 * 320 * 3, 90) };
    const s = await findSalientSubject(frame, { fraction: 0.5 });
    expect(s.width).toBe(90);
    expect(s.x + s.width).toBeLessThanOrEqual(180);
    expect(s.y + s.height).toBeLessThanOrEqual(320);
  });
});

import { describe, expect, it } from 'vitest';
import type { FaceBox } from '../../src/characters/ports.js';
import { createHumanFaceDetector, loadHuman } from '../../src/media/faces/human-detector.js';
import { faceRect, sceneWithFace } from '../support/faces.js';

function overlap(a: FaceBox, b: { x: number; y: number; width: number; height: number }): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

describe('human face detector (blazeface, wasm)', () => {
  const detector = createHumanFaceDetector();

  it('loads once per process on the wasm backend, from the package models', async () => {
    const first = await loadHuman();
    const again = await loadHuman();
    expect(again).toBe(first);
    expect(first.backend).toBe('wasm');
    console.info(`human init ${first.initMs.toFixed(0)} ms`);
  });

  it('finds the drawn face where it was drawn, in frame pixels', async () => {
    const placement = { left: 240, top: 60, width: 160 };
    const frame = await sceneWithFace(640, 360, placement);
    const faces = await detector.detect(frame);
    expect(faces.length).toBe(1);
    const [face] = faces;
    expect(face.score).toBeGreaterThan(0.6);
    const truth = faceRect(placement);
    expect(overlap(face, truth)).toBeGreaterThan(0.4);
    expect(Math.abs(face.x + face.width / 2 - truth.cx)).toBeLessThan(truth.width * 0.2);
    expect(Math.abs(face.y + face.height / 2 - truth.cy)).toBeLessThan(truth.height * 0.2);
  });

  it('follows the face to another place and size', async () => {
    const placement = { left: 60, top: 150, width: 110 };
    const frame = await sceneWithFace(640, 360, placement, '#33553a');
    const [face] = await detector.detect(frame);
    expect(face).toBeDefined();
    expect(overlap(face, faceRect(placement))).toBeGreaterThan(0.4);
  });

  it('finds no face in a flat frame', async () => {
    expect(await detector.detect(await sceneWithFace(640, 360, null))).toEqual([]);
  });

  // How fast detection is, is measured by `npm run bench` (bench/portrait-stage.ts, detect_ms).
  it('gives the same faces for one 640x360 frame called in turn or four at once, and leaves the frame as it was', async () => {
    const frame = await sceneWithFace(640, 360, { left: 240, top: 60, width: 160 });
    const pixels = Buffer.from(frame.data);
    const first = await detector.detect(frame);
    expect(first).toHaveLength(1);
    expect(await detector.detect(frame)).toEqual(first);
    // One shared Human, not re-entrant: concurrent calls are run one at a time, none sees another's input.
    const flat = await sceneWithFace(640, 360, null);
    const together = await Promise.all([detector.detect(frame), detector.detect(flat), detector.detect(frame), detector.detect(flat)]);
    expect(together).toEqual([first, [], first, []]);
    expect(frame.data.equals(pixels)).toBe(true);
  });

  it('keeps only faces scoring at least minScore', async () => {
    const frame = await sceneWithFace(640, 360, { left: 240, top: 60, width: 160 });
    const [face] = await detector.detect(frame);
    expect(face.score).toBeLessThan(0.99);
    expect(await createHumanFaceDetector({ minScore: 0.99 }).detect(frame)).toEqual([]);
    expect(await createHumanFaceDetector({ minScore: face.score }).detect(frame)).toEqual([face]);
  });

  it('rejects a frame whose buffer is not packed RGB', async () => {
    await expect(detector.detect({ timeSec: 0, width: 10, height: 10, data: Buffer.alloc(10) })).rejects.toThrow(/packed RGB/);
  });
});

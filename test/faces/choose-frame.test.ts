import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaceBox, RgbFrame } from '../../src/characters/ports.js';
import { createFrameChooser } from '../../src/media/choose-frame.js';
import type { FaceDetector } from '../../src/media/faces/face-detector.js';
import { createHumanFaceDetector } from '../../src/media/faces/human-detector.js';
import { scoreSharpness } from '../../src/media/sharpness.js';
import { decodeFrames, faceRect, laplacianVariance, makeFaceVideo } from '../support/faces.js';

const placement = { left: 240, top: 60, width: 160 };
const truth = faceRect(placement);
const FPS = 10;

async function choose(frames: RgbFrame[], detector: FaceDetector | null, extra: { spacingSec?: number; maxDetections?: number } = {}) {
  const chooser = createFrameChooser({ detector, scoreSharpness: laplacianVariance, ...extra });
  for (const f of frames) await chooser.offer(f);
  return chooser.result();
}

function centreNearTruth(face: FaceBox) {
  expect(Math.abs(face.x + face.width / 2 - truth.cx)).toBeLessThan(truth.width * 0.25);
  expect(Math.abs(face.y + face.height / 2 - truth.cy)).toBeLessThan(truth.height * 0.25);
}

describe('createFrameChooser on real videos', () => {
  let dir: string;
  let faceLater: string; // face on screen only for t in [2, 4]
  let blurred: string; // face always on screen, the picture blurred for t in [2, 3.4]
  const detector = createHumanFaceDetector();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sc-faces-'));
    faceLater = await makeFaceVideo(dir, 'later', { placement, faceFrom: 2, faceTo: 4 });
    blurred = await makeFaceVideo(dir, 'blurred', { placement, faceFrom: 0, faceTo: 6, blurFrom: 2, blurTo: 3.4 });
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('picks a frame that shows the face when the face appears only inside part of the window', async () => {
    const frames = await decodeFrames(faceLater, 1, 2, FPS); // t in [1, 3): face from t=2
    const choice = await choose(frames, detector);
    expect(choice).not.toBeNull();
    expect(choice!.face).not.toBeNull();
    expect(choice!.frame.timeSec).toBeGreaterThanOrEqual(2 - 1e-6);
    centreNearTruth(choice!.face!);
    // the testsrc2-only frames are busier than the face region: a face must still win
    expect(choice!.offered).toBe(frames.length);
  });

  it('falls back to the sharpest whole frame when no frame shows a face', async () => {
    const frames = await decodeFrames(faceLater, 0, 1.5, FPS);
    const choice = await choose(frames, detector);
    expect(choice!.face).toBeNull();
    const best = Math.max(...frames.map((f) => laplacianVariance(f)));
    expect(choice!.sharpness).toBe(best);
  });

  it('does not give the portrait from the blurred part of the window', async () => {
    const frames = await decodeFrames(blurred, 2, 2, FPS); // t in [2, 4): blurred until 3.4
    const blurredFaces = await detector.detect(frames[3]);
    console.info(`face still detected in a blurred frame: ${blurredFaces.length > 0}`);
    const choice = await choose(frames, detector);
    expect(choice!.face).not.toBeNull();
    expect(choice!.frame.timeSec).toBeGreaterThanOrEqual(3.45);
    centreNearTruth(choice!.face!);
  });

  it('also avoids the blurred part with the real scoreSharpness', async () => {
    const frames = await decodeFrames(blurred, 2, 2, FPS);
    const chooser = createFrameChooser({ detector, scoreSharpness });
    for (const f of frames) await chooser.offer(f);
    const choice = await chooser.result();
    expect(choice!.face).not.toBeNull();
    expect(choice!.frame.timeSec).toBeGreaterThanOrEqual(3.45);
  });

  it('searches few frames: one when the sharpest frame shows the face, and never more than the cap', async () => {
    const withFace = await choose(await decodeFrames(blurred, 3.5, 2, 25), detector);
    expect(withFace!.face).not.toBeNull();
    expect(withFace!.detected).toBeLessThanOrEqual(2); // the sharpest, and maybe one sharper neighbour
    const faceless = await choose(await decodeFrames(faceLater, 0, 1.9, 25), detector, { maxDetections: 3 });
    expect(faceless!.face).toBeNull();
    expect(faceless!.detected).toBe(3);
    const times: number[] = [];
    const recording: FaceDetector = { detect: (f) => (times.push(f.timeSec), detector.detect(f)) };
    const spaced = await choose(await decodeFrames(faceLater, 0, 1.9, 25), recording, { spacingSec: 0.8 });
    expect(spaced!.detected + spaced!.referenceDetected).toBe(times.length);
    expect(times.length).toBeGreaterThanOrEqual(2); // 1.9 s holds two or three frames 0.8 s apart
    expect(times.length).toBeLessThanOrEqual(3);
    for (const a of times) for (const b of times) if (a !== b) expect(Math.abs(a - b)).toBeGreaterThanOrEqual(0.8 - 1e-6);
  });
});

describe('createFrameChooser logic', () => {
  const flat = (t: number, v: number): RgbFrame => ({ timeSec: t, width: 4, height: 4, data: Buffer.alloc(48, v) });

  it('prefers a face frame over sharper faceless ones, and the sharper face among face frames', async () => {
    const sharpness = new Map<number, number>([
      [0, 100],
      [0.5, 5],
      [1, 9],
      [1.5, 50],
    ]);
    const faceAt = new Set([0.5, 1]);
    const searched: number[] = [];
    const detector: FaceDetector = {
      detect: async (f) => {
        searched.push(f.timeSec);
        return faceAt.has(f.timeSec) ? [{ x: 0, y: 0, width: 2, height: 2, score: 0.9 }] : [];
      },
    };
    const chooser = createFrameChooser({ detector, scoreSharpness: (f) => sharpness.get(f.timeSec) ?? 0 });
    for (const t of [0, 0.5, 1, 1.5]) await chooser.offer(flat(t, 1));
    const choice = await chooser.result();
    expect(choice!.frame.timeSec).toBe(1);
    expect(choice!.sharpness).toBe(9);
    expect(searched).toEqual([0, 1.5, 1]); // sharpest first; the face at 0.5 is never needed
  });

  it('skips frames next to one that showed no face, and looks at a sharper neighbour of a hit', async () => {
    // whole-frame sharpness ranks 0 > 0.1 > 0.6 > 0.7; faces at 0.6 and 0.7, sharper at 0.7.
    const whole = new Map<number, number>([
      [0, 100],
      [0.1, 90],
      [0.6, 80],
      [0.7, 70],
    ]);
    const region = new Map<number, number>([
      [0.6, 10],
      [0.7, 30],
    ]);
    const searched: number[] = [];
    const detector: FaceDetector = {
      detect: async (f) => {
        searched.push(f.timeSec);
        return f.timeSec >= 0.6 ? [{ x: 0, y: 0, width: 2, height: 2, score: 0.9 }] : [];
      },
    };
    const scoreSharpness = (f: RgbFrame, r?: unknown) => (r ? region.get(f.timeSec) : whole.get(f.timeSec)) ?? 0;
    // The portrait's search only: no detection to confirm reference frames.
    const chooser = createFrameChooser({ detector, scoreSharpness, maxReferenceDetections: 0 });
    for (const t of [0, 0.1, 0.6, 0.7]) await chooser.offer(flat(t, 1));
    const choice = await chooser.result();
    expect(searched).toEqual([0, 0.6, 0.7]);
    expect(choice!.frame.timeSec).toBe(0.7);
    expect(choice!.sharpness).toBe(30);
    expect(choice!.detected).toBe(3);
  });

  it('returns null when nothing was offered, and works without a detector', async () => {
    expect(await createFrameChooser({ detector: null, scoreSharpness: () => 0 }).result()).toBeNull();
    const chooser = createFrameChooser({ detector: null, scoreSharpness: (f) => f.data[0] });
    for (const [t, v] of [
      [0, 3],
      [0.1, 7],
      [0.2, 5],
    ])
      await chooser.offer(flat(t, v));
    const choice = await chooser.result();
    expect(choice!.frame.timeSec).toBe(0.1);
    expect(choice!.detected).toBe(0);
  });

  it('passes a detector failure to the caller', async () => {
    const detector: FaceDetector = {
      detect: async () => {
        throw new Error('boom');
      },
    };
    const chooser = createFrameChooser({ detector, scoreSharpness: () => 1 });
    await chooser.offer(flat(0, 1));
    await expect(chooser.result()).rejects.toThrow('boom');
  });
});

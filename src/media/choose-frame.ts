/**
 * Picks the portrait frame of a window: the sharpest frame that shows a face, else the sharpest
 * frame overall; and the reference frames around it (reference-frames.ts).
 */
import type { ChosenFrame, FaceBox, FrameChooser, RgbFrame } from '../characters/ports.js';
import type { Box } from '../geometry.js';
import type { FaceDetector } from './faces/face-detector.js';
import { pickReferenceFrames } from './reference-frames.js';

/** Variance of the Laplacian of `frame` (of `region` only when given); higher is sharper. */
export type SharpnessScorer = (frame: RgbFrame, region?: Box) => number;

/** The chooser's answer (the port's ChosenFrame). */
export type FrameChoice = ChosenFrame;

export interface FrameChooserOptions {
  /** Null: no face detection (every frame is judged whole). */
  detector: FaceDetector | null;
  scoreSharpness: SharpnessScorer;
  /**
   * Frames searched for a face are at least this far apart in time: a frame next to one that
   * showed no face looks the same, so the next search goes elsewhere in the window. Default 0.5 s.
   */
  spacingSec?: number;
  /** At most this many frames are searched for a face (one more may confirm a sharper neighbour). Default 4. */
  maxDetections?: number;
  /**
   * At most this many more frames are searched for the face to confirm reference frames (frames
   * searched before are not searched again). Default 3.
   */
  maxReferenceDetections?: number;
  /** Given every offered frame's buffer at dispose(). */
  recycle?: (data: Buffer) => void;
}

interface Scored {
  frame: RgbFrame;
  whole: number;
}

interface Hit {
  frame: RgbFrame;
  face: FaceBox;
  sharpness: number;
}

/**
 * Offers only score sharpness (about 1 ms a frame), so the decode and the clip encode that shares
 * it never wait. Face detection is the costly step (tens of ms a call on a CPU that the encode
 * keeps busy), so it runs once the window is decoded, on as few frames as it takes: sharpest
 * first, skipping frames close in time to one already searched. The first frame with a face wins,
 * unless a neighbour shows that face's region sharper and has a face of its own.
 * The frames of one window are kept until then (at most 3 s at the sampling rate).
 */
export function createFrameChooser(options: FrameChooserOptions): FrameChooser {
  const { detector, scoreSharpness } = options;
  const spacing = options.spacingSec ?? 0.5;
  const maxDetections = options.maxDetections ?? 4;
  const maxReferenceDetections = options.maxReferenceDetections ?? 3;
  const frames: Scored[] = [];
  const searchedFaces = new Map<RgbFrame, FaceBox | null>();
  let detected = 0;
  let referenceDetected = 0;

  const detectFace = async (frame: RgbFrame, forReference = false): Promise<FaceBox | null> => {
    const known = searchedFaces.get(frame);
    if (known !== undefined) return known;
    if (forReference) referenceDetected += 1;
    else detected += 1;
    const face = (await detector!.detect(frame))[0] ?? null;
    searchedFaces.set(frame, face);
    return face;
  };

  /** Whether a candidate reference frame shows the face too, within its own detection budget. */
  function faceCheck(): (frame: RgbFrame) => Promise<boolean> {
    let budget = maxReferenceDetections;
    return async (frame) => {
      const known = searchedFaces.get(frame);
      if (known !== undefined) return known !== null;
      if (budget <= 0) return false;
      budget -= 1;
      return (await detectFace(frame, true)) !== null;
    };
  }

  async function findFace(): Promise<Hit | null> {
    const searched: number[] = [];
    for (const { frame } of [...frames].sort((a, b) => b.whole - a.whole)) {
      if (searched.length >= maxDetections) break;
      if (searched.some((t) => Math.abs(t - frame.timeSec) < spacing - 1e-6)) continue;
      searched.push(frame.timeSec);
      const face = await detectFace(frame);
      if (face) return { frame, face, sharpness: scoreSharpness(frame, face) };
    }
    return null;
  }

  /** A neighbour of the hit whose region of the hit's face is sharper, confirmed by its own detection. */
  async function sharperNeighbour(hit: Hit): Promise<Hit | null> {
    let best: { frame: RgbFrame; sharpness: number } | null = null;
    for (const { frame } of frames) {
      if (frame === hit.frame || Math.abs(frame.timeSec - hit.frame.timeSec) > spacing / 2 + 1e-6) continue;
      const sharpness = scoreSharpness(frame, hit.face);
      if (sharpness > hit.sharpness * NEIGHBOUR_MARGIN && (!best || sharpness > best.sharpness)) best = { frame, sharpness };
    }
    if (!best) return null;
    const face = await detectFace(best.frame);
    return face ? { frame: best.frame, face, sharpness: scoreSharpness(best.frame, face) } : null;
  }

  return {
    async offer(frame) {
      frames.push({ frame, whole: scoreSharpness(frame) });
    },
    dispose() {
      const all = frames.splice(0);
      if (options.recycle) for (const f of all) options.recycle(f.frame.data);
    },
    async result() {
      if (frames.length === 0) return null;
      const hit = detector ? await findFace() : null;
      if (hit) {
        const chosen = (await sharperNeighbour(hit)) ?? hit;
        const references = await pickReferenceFrames(frames, chosen.frame, faceCheck());
        return { ...chosen, referenceTimes: references.map((f) => f.timeSec), offered: frames.length, detected, referenceDetected };
      }
      // No face: the salient subject is a guess about every frame alike, so only sharpness and time decide.
      const sharpest = frames.reduce((a, b) => (b.whole > a.whole ? b : a));
      const references = await pickReferenceFrames(frames, sharpest.frame, async () => true);
      return {
        frame: sharpest.frame,
        face: null,
        sharpness: sharpest.whole,
        referenceTimes: references.map((f) => f.timeSec),
        offered: frames.length,
        detected,
        referenceDetected,
      };
    },
  };
}

/** A neighbour must beat the hit's face region by this factor to be worth one more detection. */
const NEIGHBOUR_MARGIN = 1.15;

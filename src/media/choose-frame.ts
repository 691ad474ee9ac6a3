/**
 * Picks the portrait frame of a window as frames stream in: the sharpest frame that shows a
 * face (sharpness of the face region) if any frame has one, else the sharpest frame overall.
 * Memory stays bounded: only the two current best candidates are kept, never the stream.
 */
import type { FaceBox, FaceDetector, RgbFrame } from './types.js';

/** Variance of the Laplacian of `frame` (of `region` only when given); higher is sharper. */
export type SharpnessScorer = (frame: RgbFrame, region?: { x: number; y: number; width: number; height: number }) => number;

export interface FrameChoice {
  frame: RgbFrame;
  /** The best face in `frame`, or null when no offered frame showed a face. */
  face: FaceBox | null;
  /** The score that won: the face region's sharpness, else the whole frame's. */
  sharpness: number;
  /** How many frames were offered, and how many went through face detection. */
  offered: number;
  detected: number;
}

export interface FrameChooserOptions {
  /** Null: no face detection (every frame is judged whole). */
  detector: FaceDetector | null;
  scoreSharpness: SharpnessScorer;
  /**
   * Run face detection on a frame only when at least this many seconds have passed since the
   * last detected frame, which bounds the detector's cost for dense samplings. Default 0.1 s.
   */
  minDetectIntervalSec?: number;
  /** Hard cap on detector calls per window. Default 40. */
  maxDetections?: number;
}

export interface FrameChooser {
  /** Feed the next frame (in time order). The chooser may keep a reference to `frame.data`. */
  offer(frame: RgbFrame): Promise<void>;
  /** The choice so far; null when no frame was offered. */
  result(): Promise<FrameChoice | null>;
}

interface Candidate {
  frame: RgbFrame;
  face: FaceBox | null;
  sharpness: number;
}

export function createFrameChooser(options: FrameChooserOptions): FrameChooser {
  const { detector, scoreSharpness } = options;
  const interval = options.minDetectIntervalSec ?? 0.1;
  const maxDetections = options.maxDetections ?? 40;
  let bestFace: Candidate | null = null;
  let bestAny: Candidate | null = null;
  let lastDetectedAt = Number.NEGATIVE_INFINITY;
  let offered = 0;
  let detected = 0;
  let pending: Promise<void> = Promise.resolve();

  async function consider(frame: RgbFrame): Promise<void> {
    offered += 1;
    const whole = scoreSharpness(frame);
    if (!bestAny || whole > bestAny.sharpness) bestAny = { frame, face: null, sharpness: whole };

    const due = frame.timeSec - lastDetectedAt >= interval - 1e-6;
    if (!detector || detected >= maxDetections || !due) return;
    lastDetectedAt = frame.timeSec;
    detected += 1;
    const face = (await detector.detect(frame))[0];
    if (!face) return;
    const sharpness = scoreSharpness(frame, face);
    if (!bestFace || sharpness > bestFace.sharpness) bestFace = { frame, face, sharpness };
  }

  return {
    offer(frame) {
      const run = pending.then(() => consider(frame));
      pending = run.catch(() => undefined);
      return run;
    },
    async result() {
      await pending;
      const chosen = bestFace ?? bestAny;
      return chosen ? { ...chosen, offered, detected } : null;
    },
  };
}

/**
 * Picks the portrait frame of a window as frames stream in: the sharpest frame that shows a
 * face (sharpness of the face region) if any frame has one, else the sharpest frame overall.
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

interface Offered {
  frame: RgbFrame;
  whole: number;
}

/**
 * Offers never wait for the detector: frames are scored for sharpness at once (a few ms) and
 * every `minDetectIntervalSec` one goes to face detection in the background, so the decode (and
 * the clip encode sharing it) keeps running. At the end, the frames around each detection are
 * judged by the sharpness of that face's region, and the winner's own face box is confirmed.
 * The frames of one window are kept until then (at most 3 s at the sampling rate).
 */
export function createFrameChooser(options: FrameChooserOptions): FrameChooser {
  const { detector, scoreSharpness } = options;
  const interval = options.minDetectIntervalSec ?? 0.1;
  const maxDetections = options.maxDetections ?? 40;
  const frames: Offered[] = [];
  const hits: Array<{ index: number; face: FaceBox }> = [];
  const detectedAt = new Set<number>();
  let lastDetectedAt = Number.NEGATIVE_INFINITY;
  let detected = 0;
  let detections: Promise<void> = Promise.resolve();

  const detectFace = async (frame: RgbFrame): Promise<FaceBox | null> => {
    detected += 1;
    return (await detector!.detect(frame))[0] ?? null;
  };

  function pickFace(): Candidate | null {
    let best: (Candidate & { index: number }) | null = null;
    for (const hit of hits) {
      const t = frames[hit.index].frame.timeSec;
      for (let i = 0; i < frames.length; i++) {
        // Neighbours closer to this detection than to the next one share its face box.
        if (Math.abs(frames[i].frame.timeSec - t) > interval / 2 + 1e-6) continue;
        if (detectedAt.has(i) && i !== hit.index) continue;
        const sharpness = scoreSharpness(frames[i].frame, hit.face);
        if (!best || sharpness > best.sharpness) best = { frame: frames[i].frame, face: hit.face, sharpness, index: i };
      }
    }
    return best;
  }

  return {
    async offer(frame) {
      const index = frames.length;
      frames.push({ frame, whole: scoreSharpness(frame) });
      const due = frame.timeSec - lastDetectedAt >= interval - 1e-6;
      if (!detector || detectedAt.size >= maxDetections || !due) return;
      lastDetectedAt = frame.timeSec;
      detectedAt.add(index);
      const found = detections.then(() => detectFace(frame));
      detections = found.then((face) => {
        if (face) hits.push({ index, face });
      });
    },
    async result() {
      await detections;
      if (frames.length === 0) return null;
      let chosen = pickFace();
      if (chosen && detector && !detectedAt.has(frames.findIndex((f) => f.frame === chosen!.frame))) {
        // A neighbour won with its detection's box: find its own face, or keep the detected frame.
        const own = await detectFace(chosen.frame);
        if (own) chosen = { frame: chosen.frame, face: own, sharpness: scoreSharpness(chosen.frame, own) };
        else {
          hits.sort((a, b) => scoreSharpness(frames[b.index].frame, b.face) - scoreSharpness(frames[a.index].frame, a.face));
          const h = hits[0];
          chosen = { frame: frames[h.index].frame, face: h.face, sharpness: scoreSharpness(frames[h.index].frame, h.face) };
        }
      }
      if (!chosen) {
        const sharpest = frames.reduce((a, b) => (b.whole > a.whole ? b : a));
        chosen = { frame: sharpest.frame, face: null, sharpness: sharpest.whole };
      }
      return { ...chosen, offered: frames.length, detected };
    },
  };
}

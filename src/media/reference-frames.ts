/**
 * Which analysed frames of a window become the character's reference frames: the portrait's
 * frame, then the sharpest others that show the subject, spread over the window.
 */
import type { RgbFrame } from '../characters/ports.js';

export interface ScoredFrame {
  frame: RgbFrame;
  /** Whole-frame sharpness (variance of the Laplacian). */
  whole: number;
}

export const MIN_REFERENCE_FRAMES = 2;
export const MAX_REFERENCE_FRAMES = 4;
/** One reference frame per this many seconds of window (plus one), between 2 and 4. */
const SECONDS_PER_REFERENCE = 0.75;
/** A frame below this share of the sharpest frame's sharpness is blurred: never a first choice. */
const SHARP_ENOUGH = 0.35;

/** How many reference frames a window of `spanSec` gets, and how far apart they must be at least. */
export function referencePlan(spanSec: number): { count: number; minGapSec: number } {
  const count = Math.min(MAX_REFERENCE_FRAMES, Math.max(MIN_REFERENCE_FRAMES, Math.floor(spanSec / SECONDS_PER_REFERENCE) + 1));
  return { count, minGapSec: spanSec / count };
}

/** Time covered by frames sampled at a steady rate: from the first to one interval past the last. */
export function spanOf(frames: readonly ScoredFrame[]): number {
  if (frames.length < 2) return 0;
  const times = frames.map((f) => f.frame.timeSec);
  const first = Math.min(...times);
  const last = Math.max(...times);
  return ((last - first) * frames.length) / (frames.length - 1);
}

/**
 * Greedy, sharpest first, starting from `chosen` (the portrait's frame, always kept):
 * 1. frames at least `minGapSec` from every kept one, sharp enough, that show the subject;
 * 2. the same at half the gap, when the window gave fewer than it should;
 * 3. still fewer than 2: the sharpest frames at half the gap, subject or not (a subject seen
 *    in a single frame still gets a second reference, the nearest honest one).
 * `showsSubject` is asked only of frames that pass the other tests (it may run a face detector).
 * Returns the kept frames in time order.
 */
export async function pickReferenceFrames(
  frames: readonly ScoredFrame[],
  chosen: RgbFrame,
  showsSubject: (frame: RgbFrame) => Promise<boolean>,
): Promise<RgbFrame[]> {
  const { count, minGapSec } = referencePlan(spanOf(frames));
  const kept: RgbFrame[] = [chosen];
  const sharpest = Math.max(0, ...frames.map((f) => f.whole));
  const bySharpness = frames.filter((f) => f.frame !== chosen).sort((a, b) => b.whole - a.whole);
  const passes = [
    { gap: minGapSec, floor: sharpest * SHARP_ENOUGH, subject: true, upTo: count },
    { gap: minGapSec / 2, floor: sharpest * SHARP_ENOUGH, subject: true, upTo: count },
    { gap: minGapSec / 2, floor: 0, subject: false, upTo: MIN_REFERENCE_FRAMES },
  ];
  for (const pass of passes) {
    for (const { frame, whole } of bySharpness) {
      if (kept.length >= pass.upTo) break;
      if (kept.includes(frame) || whole < pass.floor) continue;
      if (kept.some((k) => Math.abs(k.timeSec - frame.timeSec) < pass.gap - 1e-6)) continue;
      if (pass.subject && !(await showsSubject(frame))) continue;
      kept.push(frame);
    }
  }
  return kept.sort((a, b) => a.timeSec - b.timeSec);
}

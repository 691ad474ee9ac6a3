import type { Box } from '../geometry.js';
import type { CharacterSubject } from '../records/ports.js';
import type { FaceBox } from './ports.js';

/**
 * A subject whose short side is below this many pixels of the source is `lowResolution`: a
 * face that small gives an engine too little to keep a likeness from (the portrait is 512 px and
 * hosted engines want ~480 px references; 128 px is a quarter of that, where upscaling shows).
 */
export const LOW_RESOLUTION_SUBJECT_PX = 128;

/**
 * The confidence of a salient subject: no face was found, so the region is libvips' attention
 * guess. Fixed and low, well under any kept face (the detector keeps faces from 0.7), so a client
 * can tell a good character from a guess by `confidence` alone.
 */
export const SALIENT_CONFIDENCE = 0.2;

export interface SubjectFacts {
  /** The face found, or null (then `subjectBox` is the salient region). In `frame` pixels. */
  face: FaceBox | null;
  subjectBox: Box;
  /** Size of the analysed frame the boxes are in. */
  frame: { width: number; height: number };
  /** Upright size of the source the frame was scaled from (what a viewer sees). */
  source: { width: number; height: number };
}

/** What the character's frames show: kind, confidence, box in fractions of the frame, and whether it is small in the source. */
export function describeSubject({ face, subjectBox, frame, source }: SubjectFacts): CharacterSubject {
  const box = face ?? subjectBox;
  const fx = (v: number) => round4(clamp01(v / frame.width));
  const fy = (v: number) => round4(clamp01(v / frame.height));
  const fraction = { x: fx(box.x), y: fy(box.y), width: fx(box.width), height: fy(box.height) };
  const shortSideInSource = Math.min((box.width / frame.width) * source.width, (box.height / frame.height) * source.height);
  return {
    kind: face ? 'face' : 'salient',
    confidence: face ? round4(clamp01(face.score)) : SALIENT_CONFIDENCE,
    box: fraction,
    lowResolution: shortSideInSource < LOW_RESOLUTION_SUBJECT_PX,
  };
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));
const round4 = (v: number) => Math.round(v * 10_000) / 10_000;

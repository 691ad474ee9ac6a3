/**
 * The character's portrait: a square 512 px WebP cut around the face (or, with no face, the
 * salient subject) of one frame.
 */
import sharp from 'sharp';
import type { FaceBox, RgbFrame } from '../characters/ports.js';
import { findSalientSubject, type Region } from './faces/saliency.js';

export const PORTRAIT_SIZE = 512;

export interface PortraitOptions {
  /** Square side as a multiple of the face's larger side. Default 2. */
  margin?: number;
  /** Share of the extra room placed above the face centre (0.5 = centred). Default 0.58. */
  headroom?: number;
  /** WebP quality. Default 82. */
  quality?: number;
}

/**
 * The square region of a portrait around `face`: `margin` times the face size, shifted up for
 * headroom, moved (never padded) to stay inside the frame, and shrunk if the frame is smaller.
 */
export function portraitRegion(
  frameWidth: number,
  frameHeight: number,
  face: Pick<FaceBox, 'x' | 'y' | 'width' | 'height'>,
  options: PortraitOptions = {},
): Region {
  const margin = options.margin ?? 2;
  const headroom = options.headroom ?? 0.58;
  const faceSide = Math.max(face.width, face.height);
  const side = Math.max(1, Math.min(Math.round(faceSide * margin), frameWidth, frameHeight));
  const cx = face.x + face.width / 2;
  const cy = face.y + face.height / 2;
  const x = clamp(Math.round(cx - side / 2), 0, frameWidth - side);
  // headroom: more of the square above the face centre than below it
  const y = clamp(Math.round(cy - side * headroom), 0, frameHeight - side);
  return { x, y, width: side, height: side };
}

/** 512x512 WebP of `frame` around `box`; with no box, around the salient subject. */
export async function cutPortrait(frame: RgbFrame, box: FaceBox | null, options: PortraitOptions = {}): Promise<Buffer> {
  return (await cutPortraitWithSubject(frame, box, options)).webp;
}

/** The portrait, and the subject it was cut around: the face box, else the salient region (frame pixels). */
export async function cutPortraitWithSubject(
  frame: RgbFrame,
  box: FaceBox | null,
  options: PortraitOptions = {},
): Promise<{ webp: Buffer; subjectBox: Region }> {
  const salient = box ? null : await findSalientSubject(frame);
  const region = salient ?? portraitRegion(frame.width, frame.height, box!, options);
  const webp = await sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } })
    .extract({ left: region.x, top: region.y, width: region.width, height: region.height })
    .resize(PORTRAIT_SIZE, PORTRAIT_SIZE, { fit: 'fill', kernel: 'lanczos3' })
    .webp({ quality: options.quality ?? 82, effort: 2 })
    .toBuffer();
  const subjectBox = salient
    ? { x: salient.x, y: salient.y, width: salient.width, height: salient.height }
    : { x: box!.x, y: box!.y, width: box!.width, height: box!.height };
  return { webp, subjectBox };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

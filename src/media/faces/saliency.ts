/**
 * The main subject of a frame when no face is found: libvips' attention strategy (the one
 * sharp's `position: 'attention'` crop uses) gives a focal point; the subject is a square
 * around it, clamped inside the frame.
 */
import sharp from 'sharp';
import type { RgbFrame } from '../../characters/ports.js';

export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface SalientSubject extends Region {
  /** The focal point libvips chose, in frame pixels. */
  focusX: number;
  focusY: number;
}

export interface SaliencyOptions {
  /** Side of the subject square as a fraction of the frame's short side. Default 0.8. */
  fraction?: number;
  /** The analysis runs on a copy whose short side is at most this. Default 256. */
  analysisSize?: number;
}

/** Square subject region of `frame`, in frame pixel coordinates. */
export async function findSalientSubject(frame: RgbFrame, options: SaliencyOptions = {}): Promise<SalientSubject> {
  const { width, height } = frame;
  const short = Math.min(width, height);
  const fraction = Math.min(1, Math.max(0.1, options.fraction ?? 0.8));
  const side = Math.max(1, Math.round(short * fraction));
  const s = Math.max(8, Math.min(short, options.analysisSize ?? 256));
  const { info } = await sharp(frame.data, { raw: { width, height, channels: 3 } })
    .resize({ width: s, height: s, fit: 'cover', position: 'attention' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  // attentionX/Y are in the scaled (pre-crop) image: the frame scaled by s / short side.
  const scale = s / short;
  const attention = info as typeof info & { attentionX?: number; attentionY?: number };
  const focusX = clamp(Math.round((attention.attentionX ?? (width * scale) / 2) / scale), 0, width);
  const focusY = clamp(Math.round((attention.attentionY ?? (height * scale) / 2) / scale), 0, height);
  const x = clamp(Math.round(focusX - side / 2), 0, width - side);
  const y = clamp(Math.round(focusY - side / 2), 0, height - side);
  return { x, y, width: side, height: side, focusX, focusY };
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

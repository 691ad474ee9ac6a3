export interface Size {
  width: number;
  height: number;
}

/** The clip is at most 1080p: long side <= 1920, short side <= 1080, whatever the orientation. */
export const CLIP_LONG_SIDE = 1920;
export const CLIP_SHORT_SIDE = 1080;

/**
 * Scales `src` down (never up) to fit in `box`, keeping the aspect ratio. With `even`, both sides
 * are rounded down to even numbers (what yuv420p needs), at least 2.
 */
export function fitWithin(src: Size, box: Size, even = false): Size {
  const s = Math.min(1, box.width / src.width, box.height / src.height);
  const w = Math.max(1, Math.round(src.width * s));
  const h = Math.max(1, Math.round(src.height * s));
  if (!even) return { width: Math.min(w, box.width), height: Math.min(h, box.height) };
  const evenDown = (n: number, cap: number) => Math.max(2, Math.min(n, cap) - (Math.min(n, cap) % 2));
  return { width: evenDown(w, box.width), height: evenDown(h, box.height) };
}

/** Size of the clip for an upright picture of `display` size. */
export function clipSizeFor(display: Size): Size {
  const landscape = display.width >= display.height;
  const box = landscape ? { width: CLIP_LONG_SIDE, height: CLIP_SHORT_SIDE } : { width: CLIP_SHORT_SIDE, height: CLIP_LONG_SIDE };
  return fitWithin(display, box, true);
}

/** Size of the analysed frames: the long side at most `maxSide`. */
export function frameSizeFor(display: Size, maxSide: number): Size {
  return fitWithin(display, { width: maxSide, height: maxSide });
}

import type { RgbFrame } from '../characters/ports.js';
import type { Box } from '../geometry.js';

/** The part of a frame to score. */
export type Region = Box;

/** Regions larger than this (on their long side) are box-averaged down before scoring. */
export const SHARPNESS_MAX_SIDE = 512;

/**
 * Sharpness of a frame (or of a region of it): the variance of the 4-neighbour Laplacian of the
 * luma (BT.601 weights), luma in 0..255. Higher is sharper; a blurred picture scores far lower.
 * Large regions are first averaged over step x step blocks so the cost stays bounded; scores
 * compare well between regions of the same size (the frames of one window).
 * Allocates nothing per call: the luma grid lives in one scratch array (calls are synchronous).
 */
export function scoreSharpness(frame: RgbFrame, region?: Region): number {
  const r = clampRegion(frame, region);
  if (r.width < 3 || r.height < 3) return 0;
  const step = Math.max(1, Math.ceil(Math.max(r.width, r.height) / SHARPNESS_MAX_SIDE));
  const w = Math.floor(r.width / step);
  const h = Math.floor(r.height / step);
  if (w < 3 || h < 3) return 0;
  const luma = lumaGrid(frame, r, step, w, h);

  let sum = 0;
  let sumSq = 0;
  for (let y = 1; y < h - 1; y++) {
    let i = y * w + 1;
    for (let x = 1; x < w - 1; x++, i++) {
      const lap = luma[i - 1] + luma[i + 1] + luma[i - w] + luma[i + w] - 4 * luma[i];
      sum += lap;
      sumSq += lap * lap;
    }
  }
  const n = (w - 2) * (h - 2);
  const mean = sum / n;
  return Math.max(0, sumSq / n - mean * mean);
}

let scratch = new Float32Array(0);

/** Luma of `r`, averaged over step x step blocks, as a w x h grid (a view of the scratch array). */
function lumaGrid(frame: RgbFrame, r: Region, step: number, w: number, h: number): Float32Array {
  if (scratch.length < w * h) scratch = new Float32Array(w * h);
  const out = scratch;
  const data = frame.data;
  const stride = frame.width * 3;
  const norm = 1 / (step * step * 1000);
  if (step === 2) {
    // The common case (640 px frames), unrolled; integer sums, so the result is the same.
    for (let gy = 0, o = 0; gy < h; gy++) {
      let p = (r.y + gy * 2) * stride + r.x * 3;
      let q = p + stride;
      for (let gx = 0; gx < w; gx++, p += 6, q += 6) {
        const red = data[p] + data[p + 3] + data[q] + data[q + 3];
        const green = data[p + 1] + data[p + 4] + data[q + 1] + data[q + 4];
        const blue = data[p + 2] + data[p + 5] + data[q + 2] + data[q + 5];
        out[o++] = (299 * red + 587 * green + 114 * blue) * norm;
      }
    }
    return out;
  }
  for (let gy = 0; gy < h; gy++) {
    for (let gx = 0; gx < w; gx++) {
      let acc = 0;
      const x0 = r.x + gx * step;
      for (let dy = 0; dy < step; dy++) {
        let p = (r.y + gy * step + dy) * stride + x0 * 3;
        for (let dx = 0; dx < step; dx++, p += 3) acc += 299 * data[p] + 587 * data[p + 1] + 114 * data[p + 2];
      }
      out[gy * w + gx] = acc * norm;
    }
  }
  return out;
}

function clampRegion(frame: RgbFrame, region?: Region): Region {
  if (!region) return { x: 0, y: 0, width: frame.width, height: frame.height };
  const x = Math.max(0, Math.min(frame.width, Math.floor(region.x)));
  const y = Math.max(0, Math.min(frame.height, Math.floor(region.y)));
  const x2 = Math.max(x, Math.min(frame.width, Math.floor(region.x + region.width)));
  const y2 = Math.max(y, Math.min(frame.height, Math.floor(region.y + region.height)));
  return { x, y, width: x2 - x, height: y2 - y };
}

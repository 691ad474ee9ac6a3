/**
 * Face fixtures made here, not downloaded: a procedurally drawn face (SVG rendered by sharp)
 * that blazeface detects with a score of about 0.8, scenes and ffmpeg test videos that show it
 * only inside a time window, and a raw-frame decoder for those videos.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import type { RgbFrame } from '../../src/characters/ports.js';

const run = promisify(execFile);
const FFMPEG = process.env.FFMPEG_PATH || 'ffmpeg';

/** A front-facing cartoon head, 200x250 view box: hair, skin oval, ears, brows, eyes, nose, mouth. */
export function faceSvg(width = 200): string {
  const height = Math.round(width * 1.25);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 200 250">
  <defs>
    <radialGradient id="skin" cx="50%" cy="45%" r="60%"><stop offset="0%" stop-color="#f1c9a5"/><stop offset="75%" stop-color="#dca47c"/><stop offset="100%" stop-color="#b07850"/></radialGradient>
    <radialGradient id="iris" cx="50%" cy="50%" r="50%"><stop offset="0%" stop-color="#2a1a10"/><stop offset="100%" stop-color="#5a3a20"/></radialGradient>
    <filter id="soft"><feGaussianBlur stdDeviation="2"/></filter>
    <filter id="soft4"><feGaussianBlur stdDeviation="4"/></filter>
  </defs>
  <ellipse cx="100" cy="95" rx="82" ry="90" fill="#3b2414"/>
  <rect x="70" y="190" width="60" height="60" fill="#c89068"/>
  <ellipse cx="100" cy="125" rx="68" ry="88" fill="url(#skin)"/>
  <ellipse cx="32" cy="130" rx="10" ry="18" fill="#d29a70"/>
  <ellipse cx="168" cy="130" rx="10" ry="18" fill="#d29a70"/>
  <path d="M30 100 Q40 20 100 22 Q160 20 170 100 Q150 55 100 52 Q50 55 30 100 Z" fill="#3b2414"/>
  <path d="M52 92 Q70 82 88 92" stroke="#3b2414" stroke-width="6" fill="none" stroke-linecap="round"/>
  <path d="M112 92 Q130 82 148 92" stroke="#3b2414" stroke-width="6" fill="none" stroke-linecap="round"/>
  <g filter="url(#soft)"><ellipse cx="72" cy="112" rx="17" ry="10" fill="#a07050"/><ellipse cx="128" cy="112" rx="17" ry="10" fill="#a07050"/></g>
  <ellipse cx="72" cy="112" rx="14" ry="8" fill="#f8f4f0"/><ellipse cx="128" cy="112" rx="14" ry="8" fill="#f8f4f0"/>
  <circle cx="72" cy="112" r="6.5" fill="url(#iris)"/><circle cx="128" cy="112" r="6.5" fill="url(#iris)"/>
  <circle cx="72" cy="112" r="3" fill="#000"/><circle cx="128" cy="112" r="3" fill="#000"/>
  <circle cx="74" cy="110" r="1.5" fill="#fff"/><circle cx="130" cy="110" r="1.5" fill="#fff"/>
  <path d="M100 112 L92 150 Q100 156 108 150" stroke="#b07850" stroke-width="3" fill="none" filter="url(#soft)"/>
  <ellipse cx="93" cy="152" rx="5" ry="3" fill="#8a5a3a"/><ellipse cx="107" cy="152" rx="5" ry="3" fill="#8a5a3a"/>
  <path d="M78 176 Q100 190 122 176 Q100 182 78 176 Z" fill="#a8504a"/>
  <path d="M78 176 Q100 172 122 176" stroke="#8a3a36" stroke-width="2" fill="none"/>
  <g filter="url(#soft4)"><ellipse cx="62" cy="150" rx="12" ry="8" fill="#e8a890" opacity="0.5"/><ellipse cx="138" cy="150" rx="12" ry="8" fill="#e8a890" opacity="0.5"/></g>
</svg>`;
}

export interface FacePlacement {
  /** Top-left of the drawing in the scene, and its width (height is 1.25x). */
  left: number;
  top: number;
  width: number;
}

/** Where the face itself (skin oval, brows to chin) lies for a placement, in scene pixels. */
export function faceRect(p: FacePlacement): { x: number; y: number; width: number; height: number; cx: number; cy: number } {
  const k = p.width / 200;
  const x = p.left + 32 * k;
  const y = p.top + 60 * k;
  const width = 136 * k;
  const height = 153 * k;
  return { x, y, width, height, cx: x + width / 2, cy: y + height / 2 };
}

/** The face drawing as RGBA PNG. */
export async function facePng(width = 160): Promise<Buffer> {
  return sharp(Buffer.from(faceSvg(width)))
    .png()
    .toBuffer();
}

/** A flat-coloured scene with the face drawn at `placement`, as an upright RGB frame. */
export async function sceneWithFace(width: number, height: number, placement: FacePlacement | null, background = '#6a8caf', timeSec = 0): Promise<RgbFrame> {
  let img = sharp({ create: { width, height, channels: 3, background } });
  if (placement) {
    const face = await facePng(placement.width);
    img = sharp(await img.png().toBuffer()).composite([{ input: face, left: placement.left, top: placement.top }]);
  }
  const { data, info } = await img.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { timeSec, width: info.width, height: info.height, data };
}

/** One frame of ffmpeg's testsrc2 pattern (no face). */
export async function testsrcFrame(width = 640, height = 360): Promise<RgbFrame> {
  const { stdout } = await run(
    FFMPEG,
    ['-v', 'error', '-f', 'lavfi', '-i', `testsrc2=s=${width}x${height}:r=10`, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { encoding: 'buffer', maxBuffer: width * height * 3 + 1024 },
  );
  return { timeSec: 0, width, height, data: stdout };
}

export interface FaceVideoOptions {
  width?: number;
  height?: number;
  durationSec?: number;
  fps?: number;
  placement: FacePlacement;
  /** The face is on screen for t in [from, to]. */
  faceFrom: number;
  faceTo: number;
  /** The whole picture is blurred (gaussian, sigma 10) for t in [from, to]. */
  blurFrom?: number;
  blurTo?: number;
}

/**
 * An H.264 test video: testsrc2 background (moving, detailed), the face PNG overlaid only
 * between `faceFrom` and `faceTo`, optionally blurred over a span. Returns the file path.
 */
export async function makeFaceVideo(dir: string, name: string, o: FaceVideoOptions): Promise<string> {
  const width = o.width ?? 640;
  const height = o.height ?? 360;
  const facePath = join(dir, `${name}-face.png`);
  await writeFile(facePath, await facePng(o.placement.width));
  const out = join(dir, `${name}.mp4`);
  let graph = `[0:v][1:v]overlay=x=${o.placement.left}:y=${o.placement.top}:enable='between(t,${o.faceFrom},${o.faceTo})'`;
  if (o.blurFrom !== undefined && o.blurTo !== undefined) {
    graph += `,gblur=sigma=10:enable='between(t,${o.blurFrom},${o.blurTo})'`;
  }
  graph += ',format=yuv420p[v]';
  await run(FFMPEG, [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=s=${width}x${height}:r=${o.fps ?? 25}:d=${o.durationSec ?? 6}`,
    '-loop',
    '1',
    '-i',
    facePath,
    '-filter_complex',
    graph,
    '-map',
    '[v]',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-crf',
    '18',
    '-g',
    '25',
    '-t',
    String(o.durationSec ?? 6),
    out,
  ]);
  return out;
}

/** Decodes [start, start+duration) of `video` at `fps` as upright RGB frames (test helper). */
export async function decodeFrames(video: string, start: number, duration: number, fps: number, width = 640, height = 360): Promise<RgbFrame[]> {
  const { stdout } = await run(
    FFMPEG,
    [
      '-v',
      'error',
      '-ss',
      String(start),
      '-i',
      video,
      '-t',
      String(duration),
      '-vf',
      `fps=${fps},scale=${width}:${height}`,
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-',
    ],
    { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 },
  );
  const size = width * height * 3;
  const frames: RgbFrame[] = [];
  for (let i = 0; i + size <= stdout.length; i += size) {
    frames.push({ timeSec: start + frames.length / fps, width, height, data: Buffer.from(stdout.subarray(i, i + size)) });
  }
  return frames;
}

/**
 * Stand-in for src/media/sharpness.ts (variance of the Laplacian of luma, same signature) so
 * these tests do not wait on it.
 */
export function laplacianVariance(frame: RgbFrame, region?: { x: number; y: number; width: number; height: number }): number {
  const { width, data } = frame;
  const x0 = Math.max(1, Math.floor(region?.x ?? 0));
  const y0 = Math.max(1, Math.floor(region?.y ?? 0));
  const x1 = Math.min(frame.width - 1, Math.ceil((region?.x ?? 0) + (region?.width ?? frame.width)));
  const y1 = Math.min(frame.height - 1, Math.ceil((region?.y ?? 0) + (region?.height ?? frame.height)));
  const luma = (x: number, y: number) => {
    const i = (y * width + x) * 3;
    return 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2];
  };
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const l = luma(x - 1, y) + luma(x + 1, y) + luma(x, y - 1) + luma(x, y + 1) - 4 * luma(x, y);
      n += 1;
      sum += l;
      sumSq += l * l;
    }
  }
  if (n === 0) return 0;
  const mean = sum / n;
  return sumSq / n - mean * mean;
}

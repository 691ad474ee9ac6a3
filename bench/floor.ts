/**
 * The floor: the essential ffmpeg work of one creation, run bare on the same local file.
 * Two bare ffmpeg runs, one after the other (the simplest honest "bare" way; the service is
 * allowed to beat it by decoding once for both outputs):
 *  1. trim: `-ss S -t D -i src` to the clip, with the service's clip options
 *     (src/media/ffmpeg/window-args.ts: scale bicubic, yuv420p, libx264 veryfast crf 21,
 *     AAC 128k stereo, no metadata/chapters, +faststart, MP4);
 *  2. frames: `-ss S -t D -i src`, fps 8, scale to 640 px long side (area), RGB24 rawvideo on a
 *     pipe that is read to the end.
 * Concurrency N = N such pipelines at once.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FFMPEG } from './support/inputs.js';
import { pooled } from './support/stats.js';

export interface FloorSpec {
  src: string;
  start: number;
  end: number;
  /** Upright clip size and frame size the service would plan for this source. */
  clip: { width: number; height: number };
  frames: { width: number; height: number };
  fps?: number;
}

/** 1280x720 source: the service plans a 1280x720 clip and 640x360 frames. */
export const SPEC_720P = { clip: { width: 1280, height: 720 }, frames: { width: 640, height: 360 } };

function runFfmpeg(args: string[]): Promise<number> {
  return new Promise((res, rej) => {
    const child = spawn(FFMPEG, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let bytes = 0;
    let err = '';
    child.stdout.on('data', (c: Buffer) => (bytes += c.length));
    child.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
    child.on('error', rej);
    child.on('close', (code) => (code === 0 ? res(bytes) : rej(new Error(`bare ffmpeg exited ${code}: ${err}`))));
  });
}

const n = (x: number) => x.toFixed(3);

export function trimArgs(s: FloorSpec, out: string): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    '-y',
    '-ss',
    n(s.start),
    '-t',
    n(s.end - s.start),
    '-i',
    s.src,
    '-map',
    '0:v:0',
    '-map',
    '0:a:0?',
    '-vf',
    `scale=${s.clip.width}:${s.clip.height}:flags=bicubic,setsar=1,format=yuv420p`,
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-crf',
    '21',
    '-c:a',
    'aac',
    '-b:a',
    '128k',
    '-ac',
    '2',
    '-map_metadata',
    '-1',
    '-map_chapters',
    '-1',
    '-movflags',
    '+faststart',
    '-f',
    'mp4',
    out,
  ];
}

export function framesArgs(s: FloorSpec): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    '-ss',
    n(s.start),
    '-t',
    n(s.end - s.start),
    '-i',
    s.src,
    '-map',
    '0:v:0',
    '-vf',
    `fps=${s.fps ?? 8},scale=${s.frames.width}:${s.frames.height}:flags=area,setsar=1,format=rgb24`,
    '-fps_mode',
    'passthrough',
    '-c:v',
    'rawvideo',
    '-f',
    'rawvideo',
    'pipe:1',
  ];
}

/** One bare pipeline (trim, then decode the frames); its wall time in ms. */
export async function floorOnce(s: FloorSpec): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'sc-bench-floor-'));
  try {
    const t0 = performance.now();
    await runFfmpeg(trimArgs(s, join(dir, 'clip.mp4')));
    const bytes = await runFfmpeg(framesArgs(s));
    const ms = performance.now() - t0;
    const frame = s.frames.width * s.frames.height * 3;
    if (bytes < frame) throw new Error(`the bare frame decode produced no frame (${bytes} bytes)`);
    return ms;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `count` bare pipelines, `concurrency` at once; wall time in ms. */
export async function floorBatch(s: FloorSpec, count: number, concurrency: number): Promise<number> {
  const t0 = performance.now();
  await pooled(count, concurrency, () => floorOnce(s));
  return performance.now() - t0;
}

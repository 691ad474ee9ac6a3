/**
 * The floor: the essential ffmpeg work of one creation, run bare on the same local file.
 * Three bare ffmpeg runs, one after the other (the simplest honest "bare" way; the service is
 * allowed to beat it by decoding once for both outputs of the first two):
 *  1. trim: `-ss S -t D -i src` to the clip, with the service's clip options
 *     (src/media/ffmpeg/window-args.ts: scale bicubic, yuv420p, libx264 veryfast crf 21,
 *     AAC 128k stereo, no metadata/chapters, +faststart, MP4);
 *  2. frames: `-ss S -t D -i src`, fps 8, scale to 640 px long side (area), RGB24 rawvideo on a
 *     pipe that is read to the end;
 *  3. the reference set, as src/media/reference-set.ts cuts it: the clip of step 1 decoded once,
 *     `referenceCount` frames of its 8 fps grid (spread evenly here; the service picks them from
 *     the scored frames) as RGB24 on a pipe, each encoded by sharp as a quality-90 JPEG, and its
 *     audio as a 128k 44.1 kHz MP3.
 * Concurrency N = N such pipelines at once.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
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

/** Reference frames of a window of `durationSec`: one per 0.75 s plus one, 2 to 4 (src/media/reference-frames.ts). */
export function referenceCount(durationSec: number): number {
  return Math.min(4, Math.max(2, Math.floor(durationSec / 0.75) + 1));
}

/** Evenly spread indexes of the 8 fps grid of the window. */
export function referenceIndexes(s: FloorSpec): number[] {
  const fps = s.fps ?? 8;
  const frames = Math.round((s.end - s.start) * fps);
  const count = referenceCount(s.end - s.start);
  return Array.from({ length: count }, (_, k) => Math.floor((k * frames) / count));
}

export function referencesArgs(s: FloorSpec, clip: string, voice: string): string[] {
  const indexes = referenceIndexes(s);
  return [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    '-y',
    '-i',
    clip,
    '-filter_complex',
    `[0:v:0]fps=${s.fps ?? 8},select=${indexes.map((i) => `eq(n\\,${i})`).join('+')},format=rgb24[refs]`,
    '-map',
    '[refs]',
    '-frames:v',
    String(indexes.length),
    '-fps_mode',
    'passthrough',
    '-c:v',
    'rawvideo',
    '-f',
    'rawvideo',
    'pipe:1',
    '-map',
    '0:a:0?',
    '-c:a',
    'libmp3lame',
    '-b:a',
    '128k',
    '-ar',
    '44100',
    '-f',
    'mp3',
    voice,
  ];
}

/** Step 3: the reference frames out of the clip, each a quality-90 JPEG; how many were written. */
function cutReferences(s: FloorSpec, dir: string): Promise<number> {
  const frameBytes = s.clip.width * s.clip.height * 3;
  return new Promise((res, rej) => {
    const child = spawn(FFMPEG, referencesArgs(s, join(dir, 'clip.mp4'), join(dir, 'voice.mp3')), { stdio: ['ignore', 'pipe', 'pipe'] });
    let pending = Buffer.alloc(0);
    const encodes: Promise<unknown>[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      pending = Buffer.concat([pending, c]);
      while (pending.length >= frameBytes) {
        const frame = pending.subarray(0, frameBytes);
        pending = pending.subarray(frameBytes);
        const path = join(dir, `frame-${encodes.length}.jpg`);
        encodes.push(
          sharp(frame, { raw: { width: s.clip.width, height: s.clip.height, channels: 3 } })
            .jpeg({ quality: 90 })
            .toFile(path),
        );
      }
    });
    child.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
    child.on('error', rej);
    child.on('close', (code) => {
      if (code !== 0) return rej(new Error(`bare reference ffmpeg exited ${code}: ${err}`));
      Promise.all(encodes).then(() => res(encodes.length), rej);
    });
  });
}

/** One bare pipeline (trim, then decode the frames, then cut the reference set from the clip); its wall time in ms. */
export async function floorOnce(s: FloorSpec): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'sc-bench-floor-'));
  try {
    const t0 = performance.now();
    await runFfmpeg(trimArgs(s, join(dir, 'clip.mp4')));
    const bytes = await runFfmpeg(framesArgs(s));
    const references = await cutReferences(s, dir);
    const ms = performance.now() - t0;
    const frame = s.frames.width * s.frames.height * 3;
    if (bytes < frame) throw new Error(`the bare frame decode produced no frame (${bytes} bytes)`);
    if (references !== referenceCount(s.end - s.start)) throw new Error(`the bare reference cut wrote ${references} frames`);
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

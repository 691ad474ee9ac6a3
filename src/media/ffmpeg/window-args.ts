import { ENCODER_THREADS, FILTER_THREADS } from '../../ffmpeg/limits.js';
import { fileUrl, safeInputArgs, sourceUrl } from './input-args.js';
import { clipSizeFor, frameSizeFor, type Size } from './scale.js';

/** The clip keeps at most this many frames per second; a faster source is resampled down to it. */
export const MAX_CLIP_FPS = 60;

/** Everything the one ffmpeg run of a window needs, decided before it starts. */
export interface WindowPlan {
  startSec: number;
  durationSec: number;
  /** Container index of the video stream to decode. */
  streamIndex: number;
  /** Upright size of the clip (even sides, at most 1080p). */
  clip: Size;
  /** The clip's frame rate when the source's must come down to MAX_CLIP_FPS; null keeps the source's. */
  clipFps: number | null;
  /** Upright size of the analysed RGB frames. */
  frames: Size;
  frameFps: number;
}

export interface WindowPlanInput {
  startSec: number;
  endSec: number;
  frameFps?: number;
  frameMaxSide?: number;
}

export const DEFAULT_FRAME_FPS = 8;
export const DEFAULT_FRAME_MAX_SIDE = 640;

/** Decides sizes from the probe's display size: the outputs never depend on ffmpeg's guesses. */
export function planWindow(
  probe: { displayWidth: number; displayHeight: number; videoStreamIndex?: number; fps?: number },
  input: WindowPlanInput,
): WindowPlan {
  const display = { width: probe.displayWidth, height: probe.displayHeight };
  return {
    startSec: input.startSec,
    durationSec: input.endSec - input.startSec,
    streamIndex: probe.videoStreamIndex ?? 0,
    clip: clipSizeFor(display),
    clipFps: (probe.fps ?? 0) > MAX_CLIP_FPS ? MAX_CLIP_FPS : null,
    frames: frameSizeFor(display, input.frameMaxSide ?? DEFAULT_FRAME_MAX_SIDE),
    frameFps: input.frameFps ?? DEFAULT_FRAME_FPS,
  };
}

/**
 * One decode, two outputs:
 * `[clip]`: scaled, yuv420p, for H.264 + AAC in an MP4 with the index up front;
 * `[frames]`: `frameFps` frames per second, scaled, packed RGB on stdout.
 * ffmpeg has already turned the picture upright (autorotate, on by default) before the graph,
 * so the sizes are the upright sizes. Autorotate also keeps the source's display matrix off
 * the output; turning the picture ourselves with -noautorotate would copy it onto the clip.
 */
export function buildWindowFilterGraph(plan: WindowPlan, withClip = true): string {
  const c = plan.clip;
  const f = plan.frames;
  const frames = `fps=${num(plan.frameFps)},scale=${f.width}:${f.height}:flags=area,setsar=1,format=rgb24[frames]`;
  // Frames only (a kept clip analysed again): no split, no clip branch.
  if (!withClip) return `[0:${plan.streamIndex}]${frames}`;
  return [
    `[0:${plan.streamIndex}]split=2[c][f]`,
    `[c]${plan.clipFps ? `fps=${num(plan.clipFps)},` : ''}scale=${c.width}:${c.height}:flags=bicubic,setsar=1,format=yuv420p[clip]`,
    `[f]${frames}`,
  ].join(';');
}

/**
 * Most frames an output of `durationSec` at `fps` can hold, and one more. Each output stops there
 * even when the source's timestamps lie (a rate above what the header says, timestamps that never
 * reach the end of the window): then neither the clip nor the frame stream can grow past it.
 */
export function frameBound(durationSec: number, fps: number): number {
  return Math.ceil(durationSec * fps) + 1;
}

/** With `clipPath` null, only the frames are decoded (no clip is written). */
export function buildWindowArgs(srcPath: string, clipPath: string | null, plan: WindowPlan): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    '-y',
    // Input: seek before opening the decoder (cost independent of the source length), read only
    // the window.
    '-ss',
    num(plan.startSec),
    '-t',
    num(plan.durationSec),
    ...safeInputArgs(srcPath),
    '-i',
    sourceUrl(srcPath),
    '-filter_complex_threads',
    String(FILTER_THREADS),
    '-filter_complex',
    buildWindowFilterGraph(plan, clipPath !== null),
    ...(clipPath === null ? [] : clipOutputArgs(clipPath, plan)),
    // The frames, on stdout.
    '-frames:v',
    String(frameBound(plan.durationSec, plan.frameFps)),
    '-map',
    '[frames]',
    '-fps_mode',
    'passthrough',
    '-c:v',
    'rawvideo',
    '-f',
    'rawvideo',
    'pipe:1',
  ];
}

/** The clip's output: H.264 + AAC in an MP4, the index up front. */
function clipOutputArgs(clipPath: string, plan: WindowPlan): string[] {
  return [
    '-map',
    '[clip]',
    '-map',
    '0:a:0?',
    '-frames:v',
    String(frameBound(plan.durationSec, plan.clipFps ?? MAX_CLIP_FPS)),
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-crf',
    '21',
    '-threads',
    String(ENCODER_THREADS),
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
    fileUrl(clipPath),
  ];
}

/** Seconds and rates as ffmpeg reads them: plain decimals, no exponent. */
function num(n: number): string {
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`not a usable time or rate: ${n}`);
  return n.toFixed(6).replace(/\.?0+$/, '') || '0';
}

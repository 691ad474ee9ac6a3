/**
 * A character's reference set, cut from its kept clip: JPEG frames at the chosen times, at the
 * clip's full size (at most 1080p; the analysis frames are only 640 px), and the voice sample.
 * The clip is local and short, so one ffmpeg pass over it is cheap, and a character made before
 * reference sets existed gets its set the same way from the clip it kept.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { AppError } from '../errors.js';
import { defaultBinaries } from '../ffmpeg/binaries.js';
import { DEFAULT_TOOL_LIMITS } from '../ffmpeg/limits.js';
import { runToolStreaming } from '../ffmpeg/run.js';
import { isMediaToolError } from '../ffmpeg/tool-error.js';
import { buildReferenceArgs } from './ffmpeg/reference-args.js';
import { DEFAULT_FRAME_FPS } from './ffmpeg/window-args.js';
import { limitFailure } from './tool-failure.js';
import { FrameAssembler } from './window-frames.js';

/** JPEG quality of the reference frames. */
export const REFERENCE_JPEG_QUALITY = 90;

export interface ReferenceCutOptions {
  /** Seconds from the clip's start of the wanted frames (the chosen analysis frames' times). */
  times: number[];
  /** The clip's upright size (even sides, as the window plan made it). */
  width: number;
  height: number;
  hasAudio: boolean;
  /** Where `frame-<i>.jpg` and `voice.mp3` are written. */
  outDir: string;
  /** The analysis frames' rate (the grid `times` lie on). Default 8, the window's. */
  frameFps?: number;
  ffmpegPath?: string;
  timeoutMs?: number;
  maxMemoryMb?: number;
}

export interface ReferenceCut {
  /** JPEG files, in time order. */
  framePaths: string[];
  /** MP3 file, or null when the clip has no audio. */
  voicePath: string | null;
}

export async function cutReferenceSet(clipPath: string, o: ReferenceCutOptions, signal?: AbortSignal): Promise<ReferenceCut> {
  const fps = o.frameFps ?? DEFAULT_FRAME_FPS;
  // The grid index of each time; two times on one index would be one frame twice.
  const indexes = [...new Set(o.times.map((t) => Math.max(0, Math.round(t * fps))))].sort((a, b) => a - b);
  const voicePath = o.hasAudio ? join(o.outDir, 'voice.mp3') : null;
  const frameBytes = o.width * o.height * 3;
  const framePaths: string[] = [];
  try {
    await runToolStreaming(
      o.ffmpegPath ?? defaultBinaries().ffmpeg,
      buildReferenceArgs(clipPath, { frameIndexes: indexes, frameFps: fps, voicePath }),
      async (stdout) => {
        const frames = new FrameAssembler(frameBytes);
        for await (const chunk of stdout as AsyncIterable<Buffer>) {
          for (const data of frames.push(chunk)) {
            const path = join(o.outDir, `frame-${framePaths.length}.jpg`);
            await sharp(data, { raw: { width: o.width, height: o.height, channels: 3 } })
              .jpeg({ quality: REFERENCE_JPEG_QUALITY })
              .toFile(path);
            framePaths.push(path);
          }
        }
      },
      { signal, timeoutMs: o.timeoutMs ?? DEFAULT_TOOL_LIMITS.timeoutMs, maxMemoryMb: o.maxMemoryMb },
    );
  } catch (e) {
    await Promise.all([...framePaths, ...(voicePath ? [voicePath] : [])].map((p) => rm(p, { force: true })));
    throw referenceFailure(e);
  }
  if (framePaths.length === 0) throw new AppError('unsupported_media', 'no reference frame could be cut from the clip');
  return { framePaths, voicePath };
}

function referenceFailure(e: unknown): unknown {
  if (!isMediaToolError(e)) return e;
  const limit = limitFailure(e, { fixedEncoders: true });
  if (limit) return limit;
  if (e.kind === 'aborted') return e;
  if (e.kind === 'exit') return new AppError('unsupported_media', 'The reference frames could not be cut from the clip.', { cause: e });
  return new AppError('internal_error', 'The reference frames could not be cut.', { cause: e });
}

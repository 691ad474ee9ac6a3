import { rm } from 'node:fs/promises';
import type { ProbeResult, RgbFrame } from '../characters/ports.js';
import { AppError } from '../errors.js';
import { defaultBinaries } from '../ffmpeg/binaries.js';
import { DEFAULT_TOOL_LIMITS } from '../ffmpeg/limits.js';
import { runToolStreaming } from '../ffmpeg/run.js';
import { isMediaToolError } from '../ffmpeg/tool-error.js';
import { buildWindowArgs, planWindow, type WindowPlan } from './ffmpeg/window-args.js';
import { limitFailure } from './tool-failure.js';
import { FrameAssembler } from './window-frames.js';

export type { WindowPlan } from './ffmpeg/window-args.js';
export { buildWindowArgs, buildWindowFilterGraph, planWindow } from './ffmpeg/window-args.js';

export interface WindowOptions {
  startSec: number;
  endSec: number;
  /** Where the clip (H.264 MP4) is written; null: no clip, the frames only. */
  clipPath: string | null;
  /** Frames per second handed to `onFrame`. Default 8. */
  frameFps?: number;
  /** Long side of the frames handed to `onFrame`. Default 640. */
  frameMaxSide?: number;
  /** Default: FFMPEG_PATH / FFPROBE_PATH, else found on PATH. */
  ffmpegPath?: string;
  ffprobePath?: string;
  /** Default 60 s. */
  timeoutMs?: number;
  /** Memory limit of the ffmpeg run, MiB. Default 1024. */
  maxMemoryMb?: number;
  /** Where frame buffers come from; fresh ones when absent. */
  takeFrameBuffer?: (bytes: number) => Buffer;
}

export interface WindowResult {
  clip: { width: number; height: number; durationSec: number; hasAudio: boolean };
  frameCount: number;
}

/**
 * One ffmpeg run over the window [startSec, endSec) of `src`: writes the clip to `clipPath` and
 * hands each sampled frame (upright RGB) to `onFrame` as it is decoded, while the clip is
 * still being encoded. While `onFrame`'s promise is pending, stdout is not read, which
 * holds ffmpeg back. An error thrown by `onFrame` stops ffmpeg and is rethrown as is.
 * Whatever ends the run early (an error, a limit, the timeout, the signal) removes the clip.
 */
export async function extractWindow(
  src: string,
  probe: ProbeResult,
  opts: WindowOptions,
  onFrame: (frame: RgbFrame) => Promise<void> | void,
  signal?: AbortSignal,
): Promise<WindowResult> {
  const bins = defaultBinaries();
  const plan = planWindow(probe, opts);
  if (!(plan.durationSec > 0)) throw new AppError('invalid_timestamps', 'The window is empty.', { param: 'timestamps' });
  const { width, height } = plan.frames;
  let frameCount = 0;

  try {
    await runToolStreaming(
      opts.ffmpegPath ?? bins.ffmpeg,
      buildWindowArgs(src, opts.clipPath, plan),
      async (stdout) => {
        const frames = new FrameAssembler(width * height * 3, opts.takeFrameBuffer);
        for await (const chunk of stdout as AsyncIterable<Buffer>) {
          for (const data of frames.push(chunk)) {
            await onFrame({ timeSec: frameTime(plan, frameCount), width, height, data });
            frameCount++;
          }
        }
      },
      { signal, timeoutMs: opts.timeoutMs ?? DEFAULT_TOOL_LIMITS.timeoutMs, maxMemoryMb: opts.maxMemoryMb },
    );
  } catch (e) {
    // The process has exited by now: nothing writes the clip any more.
    if (opts.clipPath !== null) await rm(opts.clipPath, { force: true }).catch(() => undefined);
    throw windowFailure(e);
  }

  // The clip's facts follow from the plan: reading it back would cost a second ffprobe per character.
  return {
    clip: { width: plan.clip.width, height: plan.clip.height, durationSec: plan.durationSec, hasAudio: probe.hasAudio },
    frameCount,
  };
}

/** Source time of the i-th sampled frame. */
export function frameTime(plan: Pick<WindowPlan, 'startSec' | 'frameFps'>, index: number): number {
  return plan.startSec + index / plan.frameFps;
}

function windowFailure(e: unknown): unknown {
  if (!isMediaToolError(e)) return e; // onFrame's own error, or already typed
  const limit = limitFailure(e, { fixedEncoders: true });
  if (limit) return limit;
  switch (e.kind) {
    case 'aborted':
      return e;
    case 'exit':
      return new AppError('unsupported_media', 'The video could not be decoded in the requested window.', { cause: e });
    // Every other cost of the window is bounded; what is left to take long is the source
    // (frames before the window's keyframe, a slow codec at a large size).
    case 'timeout':
      return new AppError('unsupported_media', 'The video could not be decoded within the time limit.', { cause: e });
    default:
      return new AppError('internal_error', 'The video could not be processed.', { cause: e });
  }
}

import type { ProbeResult } from '../characters/ports.js';
import { AppError } from '../errors.js';
import { defaultBinaries } from '../ffmpeg/binaries.js';
import { runTool } from '../ffmpeg/run.js';
import { isMediaToolError } from '../ffmpeg/tool-error.js';
import { openByteSource } from './container/byte-source.js';
import { readMp4Header } from './container/mp4-header.js';
import { buildProbeArgs } from './ffmpeg/probe-args.js';
import { scanStreamDuration } from './probe-duration.js';
import { inspectProbe } from './probe-parse.js';
import { limitFailure } from './tool-failure.js';

export { inspectProbe, MAX_PIXELS, MAX_SIDE, parseProbe } from './probe-parse.js';

export interface ProbeOptions {
  signal?: AbortSignal;
  /** Default: FFPROBE_PATH, else `ffprobe`. */
  ffprobePath?: string;
  /** Default 30 s for reading the header, and as much again for a duration scan. */
  timeoutMs?: number;
  /** Memory limit of each ffprobe run, MiB. Default: the runner's (1024). */
  maxMemoryMb?: number;
  /** Read a plain MP4/MOV header in-process instead of starting ffprobe. Default true. */
  inProcessHeader?: boolean;
}

/**
 * What the source is: `ffprobe -show_format -show_streams`. A source with no decodable video
 * (HTML, an image, audio only, empty, garbage, truncated) is AppError('unsupported_media');
 * one beyond the pixel limits is AppError('media_too_large'). When the header tells no duration
 * (browser-recorded WebM), the video stream's packets are read to measure it.
 */
export async function probeMedia(path: string, opts: ProbeOptions = {}): Promise<ProbeResult> {
  if (opts.inProcessHeader !== false) {
    const json = await readHeaderInProcess(path);
    if (json) {
      // The same rules as ffprobe's answer (still images, pixel limits, no video).
      const { facts, durationSec } = inspectProbe(json);
      if (durationSec !== null) return { ...facts, durationSec };
    }
  }
  const ffprobe = opts.ffprobePath ?? defaultBinaries().ffprobe;
  const run = { signal: opts.signal, timeoutMs: opts.timeoutMs ?? 30_000, maxMemoryMb: opts.maxMemoryMb };
  try {
    const { stdout } = await runTool(ffprobe, buildProbeArgs(path), { ...run, maxStdoutBytes: 4 * 1024 * 1024 });
    let json: unknown;
    try {
      json = JSON.parse(stdout.toString('utf8'));
    } catch (e) {
      throw new AppError('unsupported_media', 'The source is not a video file that can be read.', { cause: e });
    }
    const { facts, durationSec } = inspectProbe(json);
    const duration = durationSec ?? (await scanStreamDuration(ffprobe, path, facts.videoStreamIndex, run));
    if (duration === null) throw new AppError('unsupported_media', 'The duration of the video cannot be read.');
    return { ...facts, durationSec: duration };
  } catch (e) {
    throw probeFailure(e);
  }
}

/** ffprobe-shaped facts of a plain MP4/MOV, read without starting a process; null for anything else. */
async function readHeaderInProcess(path: string): Promise<unknown> {
  const src = await openByteSource(path).catch(() => null);
  if (!src) return null;
  try {
    return await readMp4Header(src);
  } catch {
    return null; // a read that failed: ffprobe reads the source and says what is wrong with it
  } finally {
    await src.close();
  }
}

function probeFailure(e: unknown): unknown {
  if (!isMediaToolError(e)) return e;
  const limit = limitFailure(e);
  if (limit) return limit;
  switch (e.kind) {
    case 'aborted':
      return e;
    case 'spawn':
      return new AppError('internal_error', 'The media tools are not available.', { cause: e });
    case 'exit':
      return new AppError('unsupported_media', 'The source is not a video file that can be read.', { cause: e });
    case 'timeout':
    case 'output_limit':
      return new AppError('unsupported_media', 'The source could not be read in time.', { cause: e });
    default:
      return e;
  }
}

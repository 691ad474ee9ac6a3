import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError, isAppError } from '../errors.js';
import type { MediaBinaries } from '../ffmpeg/binaries.js';
import { fileUrl } from '../ffmpeg/file-url.js';
import { inputLimitArgs } from '../ffmpeg/limits.js';
import { runTool } from '../ffmpeg/run.js';
import { buildPreviewArgs } from './local/args.js';
import { OUTPUT_FILES } from './local/index.js';
import type { RenderResult } from './ports.js';

export interface ResultMediaDeps {
  download(url: string, dest: string, signal: AbortSignal): Promise<unknown>;
  binaries: MediaBinaries;
  maxMemoryMb?: number;
}

/** What the previews need of the upstream's video. */
export interface VideoFacts {
  width: number;
  height: number;
  durationSec: number;
  frameCount: number;
}

/** ffprobe of an MP4 read only by the mov demuxer from a local file: its one video stream's size, length and frames. */
export function buildResultProbeArgs(path: string): string[] {
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    ...inputLimitArgs(),
    '-protocol_whitelist',
    'file',
    '-format_whitelist',
    'mov',
    '-select_streams',
    'v:0',
    '-show_entries',
    'stream=width,height,nb_frames,avg_frame_rate,duration:format=duration',
    '-of',
    'json',
    fileUrl(path),
  ];
}

/** Reads ffprobe's JSON; null when there is no usable video stream. */
export function parseResultProbe(json: string): VideoFacts | null {
  let data: { streams?: Record<string, unknown>[]; format?: Record<string, unknown> };
  try {
    data = JSON.parse(json);
  } catch {
    return null;
  }
  const s = data.streams?.[0];
  if (!s) return null;
  const width = Number(s.width);
  const height = Number(s.height);
  const durationSec = Number(s.duration ?? data.format?.duration);
  if (!(width > 0 && height > 0 && durationSec > 0)) return null;
  const [num, den] = String(s.avg_frame_rate ?? '0/1')
    .split('/')
    .map(Number);
  const fps = den > 0 ? num / den : 0;
  const frameCount = Number(s.nb_frames) > 0 ? Number(s.nb_frames) : Math.floor(durationSec * (fps > 0 ? fps : 24));
  if (!(frameCount > 0)) return null;
  return { width, height, durationSec, frameCount };
}

/**
 * The upstream's finished video brought home: downloaded into the work folder (the caller's
 * download goes through the SSRF-safe fetcher with the MAX_SOURCE_BYTES cap), checked to be an
 * MP4 video, and its WebP thumbnail and JPEG spritesheet made here with the local engine's
 * preview graph. The MP4 itself is kept as the upstream made it.
 */
export async function keepResult(url: string, workDir: string, deps: ResultMediaDeps, signal: AbortSignal): Promise<RenderResult> {
  const out = {
    videoPath: join(workDir, OUTPUT_FILES.video),
    thumbnailPath: join(workDir, OUTPUT_FILES.thumbnail),
    spritesheetPath: join(workDir, OUTPUT_FILES.spritesheet),
  };
  try {
    await deps.download(url, out.videoPath, signal).catch((e: unknown) => {
      if (signal.aborted) throw e;
      const why = isAppError(e) ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);
      throw new AppError('engine_error', `The upstream's video could not be downloaded (${why}).`, { cause: e });
    });
    const limits = { signal, timeoutMs: 60_000, maxMemoryMb: deps.maxMemoryMb };
    const probed = await runTool(deps.binaries.ffprobe, buildResultProbeArgs(out.videoPath), limits).catch(() => null);
    const facts = probed ? parseResultProbe(probed.stdout.toString('utf8')) : null;
    if (!facts) throw new AppError('engine_error', 'The upstream returned something that is not an MP4 video.');
    await runTool(
      deps.binaries.ffmpeg,
      buildPreviewArgs({
        videoPath: out.videoPath,
        width: facts.width,
        height: facts.height,
        seconds: facts.durationSec,
        frameCount: facts.frameCount,
        thumbnailPath: out.thumbnailPath,
        spritesheetPath: out.spritesheetPath,
      }),
      limits,
    );
    return { ...out, durationSec: facts.durationSec };
  } catch (e) {
    await Promise.all(Object.values(out).map((p) => rm(p, { force: true }).catch(() => undefined)));
    throw e;
  }
}

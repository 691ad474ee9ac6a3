import type { ProbeResult } from '../characters/ports.js';
import { AppError } from '../errors.js';
import { MAX_PIXELS, MAX_STREAMS } from '../ffmpeg/limits.js';

/** Largest picture accepted: 8192x8192 pixels in all (the decoders' own limit too), and no side longer than 16384. */
export { MAX_PIXELS, MAX_STREAMS };
export const MAX_SIDE = 16384;

/** What ffprobe's JSON says, before the duration is known for sure. */
export interface ProbeFacts {
  facts: Omit<ProbeResult, 'durationSec'> & { videoStreamIndex: number };
  /** The video stream's duration, else the container's; null when neither is told. */
  durationSec: number | null;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const unsupported = (why: string) => new AppError('unsupported_media', why);

/**
 * Reads `ffprobe -show_format -show_streams -print_format json` output. Throws
 * AppError('unsupported_media') when there is no decodable video (no video stream, only cover
 * art, a still image) or more than MAX_STREAMS streams, and AppError('media_too_large') beyond
 * the pixel limits.
 */
export function inspectProbe(json: unknown): ProbeFacts {
  const root = isObject(json) ? json : {};
  const format = isObject(root.format) ? root.format : null;
  const streams = Array.isArray(root.streams) ? root.streams.filter(isObject) : [];
  if (!format || streams.length === 0) throw unsupported('The source is not a video file that can be read.');
  if (streams.length > MAX_STREAMS) throw unsupported(tooManyStreams(streams.length));

  const formatName = str(format.format_name) ?? '';
  if (isStillImageFormat(formatName)) throw unsupported('The source is a still image, not a video.');

  const video = pickVideoStream(streams);
  if (!video) {
    const audio = streams.some((s) => s.codec_type === 'audio');
    throw unsupported(audio ? 'The source has no video stream (audio only).' : 'The source has no video stream.');
  }
  const frames = int(video.nb_frames);
  if (frames !== null && frames <= 1) throw unsupported('The source is a still image, not a video.');

  const width = int(video.width) ?? 0;
  const height = int(video.height) ?? 0;
  if (width * height > MAX_PIXELS || Math.max(width, height) > MAX_SIDE) {
    throw new AppError('media_too_large', `The video is ${width}x${height}; at most ${MAX_PIXELS} pixels (8192x8192) are accepted.`);
  }

  const rotation = readRotation(video);
  const sar = readSampleAspectRatio(video);
  const sarWidth = Math.max(1, Math.round(width * sar));
  const swap = rotation === 90 || rotation === 270;

  return {
    facts: {
      width,
      height,
      displayWidth: swap ? height : sarWidth,
      displayHeight: swap ? sarWidth : height,
      rotation,
      videoCodec: str(video.codec_name) ?? 'unknown',
      hasAudio: streams.some((s) => s.codec_type === 'audio' && str(s.codec_name) !== null),
      formatName,
      fps: rate(video.avg_frame_rate) ?? rate(video.r_frame_rate) ?? 0,
      videoStreamIndex: int(video.index) ?? 0,
    },
    durationSec: positive(video.duration) ?? tagDuration(video.tags) ?? positive(format.duration),
  };
}

export const tooManyStreams = (count?: number) => `The source has ${count ?? 'more than ' + MAX_STREAMS} streams; at most ${MAX_STREAMS} are accepted.`;

/** `inspectProbe` for a source whose duration must be in its header. */
export function parseProbe(json: unknown): ProbeResult {
  const { facts, durationSec } = inspectProbe(json);
  if (durationSec === null) throw unsupported('The duration of the video cannot be read.');
  return { ...facts, durationSec };
}

/** Degrees clockwise, one of 0, 90, 180, 270. The display matrix wins over the legacy tag. */
export function readRotation(stream: Json): number {
  const sideData = Array.isArray(stream.side_data_list) ? stream.side_data_list.filter(isObject) : [];
  for (const sd of sideData) {
    const r = num(sd.rotation);
    // ffprobe prints the display matrix angle counter-clockwise (av_display_rotation_get).
    if (r !== null) return normaliseQuarterTurns(-r);
  }
  const tags = isObject(stream.tags) ? stream.tags : {};
  const legacy = num(tags.rotate);
  if (legacy !== null) return normaliseQuarterTurns(legacy); // the old `rotate` tag is clockwise
  return 0;
}

export function normaliseQuarterTurns(degrees: number): number {
  const q = Math.round(degrees / 90);
  return (((q % 4) + 4) % 4) * 90;
}

const IMAGE_DEMUXERS = new Set(['image2', 'image2pipe', 'png', 'jpeg', 'webp', 'bmp', 'tiff', 'svg']);

function isStillImageFormat(formatName: string): boolean {
  return formatName.split(',').some((n) => IMAGE_DEMUXERS.has(n) || n.endsWith('_pipe'));
}

/** The first usable video stream, preferring the default one; cover art never counts. */
function pickVideoStream(streams: Json[]): Json | undefined {
  const usable = streams.filter((s) => {
    if (s.codec_type !== 'video') return false;
    const disp = isObject(s.disposition) ? s.disposition : {};
    if (disp.attached_pic === 1 || disp.still_image === 1) return false;
    const codec = str(s.codec_name);
    return codec !== null && codec !== 'none' && (int(s.width) ?? 0) > 0 && (int(s.height) ?? 0) > 0;
  });
  return usable.find((s) => isObject(s.disposition) && s.disposition.default === 1) ?? usable[0];
}

function readSampleAspectRatio(stream: Json): number {
  const m = /^(\d+):(\d+)$/.exec(str(stream.sample_aspect_ratio) ?? '');
  if (!m) return 1;
  const r = Number(m[1]) / Number(m[2]);
  // 0:1 means unknown; absurd ratios from a hostile header are ignored.
  return Number.isFinite(r) && r >= 0.25 && r <= 4 ? r : 1;
}

/** Matroska keeps stream durations in a `DURATION` tag: `HH:MM:SS.nnnnnnnnn`. */
function tagDuration(tags: unknown): number | null {
  if (!isObject(tags)) return null;
  for (const [k, v] of Object.entries(tags)) {
    if (k.toUpperCase() !== 'DURATION' || typeof v !== 'string') continue;
    const m = /^(\d+):(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(v.trim());
    if (!m) continue;
    const s = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
    if (s > 0) return s;
  }
  return null;
}

function rate(v: unknown): number | null {
  const m = /^(\d+)\/(\d+)$/.exec(str(v) ?? '');
  if (!m || Number(m[2]) === 0) return null;
  const r = Number(m[1]) / Number(m[2]);
  return r > 0 && Number.isFinite(r) ? r : null;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

function num(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
}

function int(v: unknown): number | null {
  const n = num(v);
  return n !== null && Number.isInteger(n) ? n : null;
}

function positive(v: unknown): number | null {
  const n = num(v);
  return n !== null && n > 0 ? n : null;
}

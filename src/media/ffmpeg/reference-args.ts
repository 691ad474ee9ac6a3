import { FILTER_THREADS } from '../../ffmpeg/limits.js';
import { fileUrl, safeInputArgs } from './input-args.js';

/** The voice sample: MP3 (fal's Seedance 2.0 reference-to-video takes MP3 or WAV in `audio_urls`). */
export const VOICE_BITRATE = '128k';
export const VOICE_SAMPLE_RATE = 44_100;

export interface ReferenceCutPlan {
  /** Indexes of the wanted frames on the clip's `frameFps` grid (the analysis frames' grid), ascending. */
  frameIndexes: number[];
  frameFps: number;
  /** Where the voice sample (MP3) goes; null when the clip has no audio. */
  voicePath: string | null;
}

/**
 * One pass over a kept clip (local, at most 1080p, a few seconds): the frames at the chosen
 * indexes of the analysis grid (`fps` resamples the clip exactly as the window's frame stream
 * did, so index i is the i-th analysed frame), at the clip's full size, as packed RGB on stdout;
 * and, when asked, its audio as the MP3 voice sample.
 */
export function buildReferenceArgs(clipPath: string, plan: ReferenceCutPlan): string[] {
  const indexes = plan.frameIndexes;
  if (indexes.length === 0 || indexes.some((i, k) => !Number.isInteger(i) || i < 0 || (k > 0 && i <= indexes[k - 1]))) {
    throw new RangeError(`reference frame indexes must be ascending non-negative integers: ${indexes.join(',')}`);
  }
  const select = indexes.map((i) => `eq(n\\,${i})`).join('+');
  return [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    '-y',
    ...safeInputArgs(clipPath),
    '-i',
    fileUrl(clipPath),
    '-filter_complex_threads',
    String(FILTER_THREADS),
    '-filter_complex',
    `[0:v:0]fps=${plan.frameFps},select=${select},format=rgb24[refs]`,
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
    ...(plan.voicePath === null
      ? []
      : [
          '-map',
          '0:a:0',
          '-c:a',
          'libmp3lame',
          '-b:a',
          VOICE_BITRATE,
          '-ar',
          String(VOICE_SAMPLE_RATE),
          '-map_metadata',
          '-1',
          '-f',
          'mp3',
          fileUrl(plan.voicePath),
        ]),
  ];
}

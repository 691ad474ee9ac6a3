import type { ToolFailureKind } from './tool-error.js';

export type LimitKind = Extract<ToolFailureKind, 'pixel_limit' | 'stream_limit' | 'memory_limit'>;

/** What ffmpeg 5.1 prints at `-loglevel error` when one of the limits stops it; the first match wins. */
const SIGNS: ReadonlyArray<readonly [LimitKind, RegExp]> = [
  // libavutil/imgutils.c, when a decoder's max_pixels refuses a picture. ffmpeg then drops the
  // picture and goes on, and may well exit 0: this line is the only sign.
  ['pixel_limit', /exceeds specified max pixel count/],
  // libavformat, when a demuxer would create a stream past max_streams (Matroska then fails with
  // "Cannot allocate memory"; MPEG-TS goes on without the stream).
  ['stream_limit', /Number of streams exceeds max_streams/],
  // An allocation refused under the data-segment limit: ENOMEM's text, x264's own words, and
  // EAGAIN from a thread that could not get its stack. Also possibly followed by an exit 0.
  ['memory_limit', /Cannot allocate memory|malloc of size \d+ failed|get_buffer\(\) failed \(-12\b|Resource temporarily unavailable/],
];

/** The dynamic loader's failure is the process not starting (exit 127), even when it ran out of memory. */
const LOADER_FAILURE = /error while loading shared libraries/;

export function limitSignOf(line: string): LimitKind | null {
  if (LOADER_FAILURE.test(line)) return null;
  for (const [kind, sign] of SIGNS) if (sign.test(line)) return kind;
  return null;
}

const MAX_LINE = 4096;

/** Reads stderr as it comes, line by line, for the first limit sign. */
export class LimitWatch {
  private partial = '';

  /** The first sign in the lines `chunk` completes, or null. */
  push(chunk: Buffer): LimitKind | null {
    // latin1: one char per byte, so a chunk boundary never splits a character.
    const lines = (this.partial + chunk.toString('latin1')).split(/\r\n|\r|\n/);
    this.partial = (lines.pop() ?? '').slice(-MAX_LINE);
    for (const line of lines) {
      const kind = limitSignOf(line);
      if (kind) return kind;
    }
    return null;
  }

  /** The sign in the last line, when stderr ended without a newline. */
  end(): LimitKind | null {
    const kind = limitSignOf(this.partial);
    this.partial = '';
    return kind;
  }
}

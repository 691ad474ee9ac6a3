import { AppError } from '../errors.js';
import { MAX_PIXELS } from '../ffmpeg/limits.js';
import type { MediaToolError } from '../ffmpeg/tool-error.js';
import { tooManyStreams } from './probe-parse.js';

const ENCODER_NOT_OPENED = /Error while opening encoder/;

/**
 * The client's error for a media tool stopped by one of its limits; null for the other kinds.
 * `fixedEncoders`: the command's encoder settings are the service's own and always valid, so an
 * encoder that cannot open ran out of memory or threads (x264 says nothing when it cannot start
 * its threads under the memory limit; ffmpeg then only reports the encoder that did not open).
 */
export function limitFailure(e: MediaToolError, opts: { fixedEncoders?: boolean } = {}): AppError | null {
  if (opts.fixedEncoders && e.kind === 'exit' && ENCODER_NOT_OPENED.test(e.stderrTail)) {
    return new AppError('media_too_large', 'The video needs more memory to decode than is allowed.', { cause: e });
  }
  switch (e.kind) {
    case 'pixel_limit':
      return new AppError('media_too_large', `The video has a picture larger than ${MAX_PIXELS} pixels (8192x8192).`, { cause: e });
    case 'memory_limit':
      return new AppError('media_too_large', 'The video needs more memory to decode than is allowed.', { cause: e });
    case 'stream_limit':
      return new AppError('unsupported_media', tooManyStreams(), { cause: e });
    default:
      return null;
  }
}

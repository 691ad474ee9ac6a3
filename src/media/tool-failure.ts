import { AppError } from '../errors.js';
import { MAX_PIXELS } from '../ffmpeg/limits.js';
import type { MediaToolError } from '../ffmpeg/tool-error.js';
import { tooManyStreams } from './probe-parse.js';

/** The client's error for a media tool stopped by one of its limits; null for the other kinds. */
export function limitFailure(e: MediaToolError): AppError | null {
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

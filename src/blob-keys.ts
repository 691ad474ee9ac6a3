/**
 * Blob keys are relative paths like `characters/ch_x/portrait.webp`. This module is their one
 * home: the keys of a character's and a video task's assets are built here, and one validator
 * serves every store (disk and S3) and signed URLs, so a key that is safe on one is safe on all.
 * Keys are derived from ids only, so a retried step writes the same keys again.
 */

/** The voice sample's format: its file extension and content type. */
export const VOICE_EXTENSION = 'mp3';
export const VOICE_CONTENT_TYPE = 'audio/mpeg';

/** Where a character's assets live. */
export const characterKeys = (id: string) => {
  const prefix = `characters/${id}/`;
  return {
    prefix,
    /** An uploaded (or inline data:) source, kept until the character is made. */
    upload: `${prefix}source.bin`,
    clip: `${prefix}clip.mp4`,
    portrait: `${prefix}portrait.webp`,
    /** The i-th reference frame (0-based, in time order): JPEG. */
    frame: (i: number) => {
      if (!Number.isInteger(i) || i < 0) throw new RangeError(`bad reference frame index ${i}`);
      return `${prefix}frame-${i}.jpg`;
    },
    /** The voice sample: MP3, the audio format hosted engines take as reference (fal's Seedance 2.0 `audio_urls`: MP3 or WAV). */
    voice: `${prefix}voice.${VOICE_EXTENSION}`,
  };
};

/** Where a video task's assets live. */
export const videoKeys = (id: string) => {
  const prefix = `videos/${id}/`;
  return {
    prefix,
    inputReference: `${prefix}input-reference`,
    video: `${prefix}video.mp4`,
    thumbnail: `${prefix}thumbnail.webp`,
    spritesheet: `${prefix}spritesheet.jpg`,
  };
};

/** A bad key is a bug of the caller (keys are built from ids), hence not an AppError: it answers 500. */
export class InvalidBlobKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidBlobKeyError';
  }
}

const KEY_CHARS = /^[A-Za-z0-9._/-]+$/;
const MAX_KEY_LENGTH = 1024; // S3's limit
const MAX_SEGMENT_LENGTH = 255; // common file-name limit

/** Throws unless `key` is a clean relative path: [A-Za-z0-9._/-], no empty, `.` or `..` segments. */
export function assertValidBlobKey(key: string): void {
  const problem = blobKeyProblem(key, false);
  if (problem) throw new InvalidBlobKeyError(`invalid blob key ${JSON.stringify(key)}: ${problem}`);
}

/** Like a key, but may end with `/` (a folder). The empty prefix is refused: it would mean "everything". */
export function assertValidBlobPrefix(prefix: string): void {
  const problem = blobKeyProblem(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix, true);
  if (problem) throw new InvalidBlobKeyError(`invalid blob prefix ${JSON.stringify(prefix)}: ${problem}`);
}

export function isValidBlobKey(key: string): boolean {
  return blobKeyProblem(key, false) === null;
}

function blobKeyProblem(key: string, isPrefix: boolean): string | null {
  if (typeof key !== 'string' || key.length === 0) return isPrefix ? 'a prefix must not be empty' : 'a key must not be empty';
  if (key.length > MAX_KEY_LENGTH) return `longer than ${MAX_KEY_LENGTH} characters`;
  if (!KEY_CHARS.test(key)) return 'only letters, digits, ".", "_", "-" and "/" are allowed';
  if (key.startsWith('/')) return 'must be relative (no leading "/")';
  for (const segment of key.split('/')) {
    if (segment === '') return 'empty path segment ("//" or trailing "/")';
    if (segment === '.' || segment === '..') return '"." and ".." segments are not allowed';
    if (segment.length > MAX_SEGMENT_LENGTH) return `a segment is longer than ${MAX_SEGMENT_LENGTH} characters`;
  }
  return null;
}

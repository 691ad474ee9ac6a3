import { open, rm } from 'node:fs/promises';
import sharp from 'sharp';
import { AppError, isAppError } from '../errors.js';
import { MAX_PIXELS } from '../ffmpeg/limits.js';

const MAX_SIDE = 4096;
const DATA_IMAGE = /^data:(image\/[a-z0-9.+-]+)(?:;[^,]*)?;base64,/i;
// Standard and URL-safe alphabets both decode the same way in Buffer.
const BASE64_TEXT = /^[A-Za-z0-9+/_-]*={0,2}$/;
/** Base64 characters decoded per step: a multiple of 4, so every step ends on a whole quantum. */
const CHUNK_CHARS = 4 * 64 * 1024;

/** Bytes the magic check needs (RIFF....WEBP is the longest). */
export const IMAGE_HEAD_BYTES = 12;

export type ImageKind = 'png' | 'jpeg' | 'gif' | 'webp';

/** The still-image formats an input_reference may be, told from its first bytes alone. */
export function imageKindOf(head: Uint8Array): ImageKind | null {
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 6 && (b.toString('latin1', 0, 6) === 'GIF87a' || b.toString('latin1', 0, 6) === 'GIF89a')) return 'gif';
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return null;
}

const notAnImage = () => new AppError('unsupported_media', 'input_reference is not a PNG, JPEG, WebP or GIF image', { param: 'input_reference' });
const tooLarge = (maxBytes: number) =>
  new AppError('source_too_large', `the input_reference image is larger than ${maxBytes} bytes`, { param: 'input_reference' });

/**
 * Refuses what cannot be an image from its first bytes (at least IMAGE_HEAD_BYTES of them, or the
 * whole file when it is shorter): 422 unsupported_media before anything more is read.
 */
export function checkImageHead(head: Uint8Array): void {
  if (!imageKindOf(head)) throw notAnImage();
}

/**
 * A video's `input_reference`, as an uploaded file or an image URL (http(s) through the safe
 * fetcher, or data:image/...;base64), checked to be an image of at most `maxBytes` and written to
 * `pngPath` as PNG. Nothing is held whole in memory: the type is judged from the first bytes,
 * http(s) downloads stop at the cap (the fetcher's own limit), a data: URL is decoded in steps to
 * `scratchPath`, and sharp reads the file. `scratchPath` is removed before this returns.
 */
export async function prepareReferenceImage(
  ref: { path: string } | { imageUrl: string },
  paths: { scratch: string; png: string },
  fetchToFile: (url: string, dest: string) => Promise<unknown>,
  maxBytes: number,
): Promise<void> {
  try {
    const input = await referenceImageFile(ref, paths.scratch, fetchToFile, maxBytes);
    await checkFileHead(input, maxBytes);
    await toPng(input, paths.png);
  } finally {
    await rm(paths.scratch, { force: true });
  }
}

/** The local file that holds the reference's bytes. */
async function referenceImageFile(
  ref: { path: string } | { imageUrl: string },
  scratchPath: string,
  fetchToFile: (url: string, dest: string) => Promise<unknown>,
  maxBytes: number,
): Promise<string> {
  if ('path' in ref) return ref.path;
  if (DATA_IMAGE.test(ref.imageUrl)) {
    await writeDataImage(ref.imageUrl, scratchPath, maxBytes);
    return scratchPath;
  }
  if (/^https?:/i.test(ref.imageUrl)) {
    try {
      await fetchToFile(ref.imageUrl, scratchPath);
    } catch (err) {
      // The fetcher speaks of `url`; here the field is input_reference.
      if (err instanceof AppError) throw new AppError(err.code, err.message, { param: 'input_reference', retryAfter: err.retryAfter, cause: err });
      throw err;
    }
    return scratchPath;
  }
  throw new AppError('invalid_url', 'input_reference.image_url must be an http(s) or data:image URL', { param: 'input_reference' });
}

/** A data:image/...;base64 URL: size from the text, type from its first quantum, then decoded in steps. */
async function writeDataImage(dataUrl: string, dest: string, maxBytes: number): Promise<void> {
  const base64 = dataUrl.slice(dataUrl.indexOf(',') + 1).replace(/[\t\n\f\r ]+/g, '');
  if (Math.floor(((base64.length - trailingEquals(base64)) * 3) / 4) > maxBytes) throw tooLarge(maxBytes);
  if (!BASE64_TEXT.test(base64)) throw notAnImage();
  checkImageHead(Buffer.from(base64.slice(0, 16), 'base64'));
  const file = await open(dest, 'w');
  try {
    for (let i = 0; i < base64.length; i += CHUNK_CHARS) await file.write(Buffer.from(base64.slice(i, i + CHUNK_CHARS), 'base64'));
  } finally {
    await file.close();
  }
}

/** Counted by hand: /=+$/ backtracks quadratically on a long run of '=' followed by anything. */
function trailingEquals(text: string): number {
  let count = 0;
  while (count < text.length && text.charCodeAt(text.length - 1 - count) === 0x3d) count++;
  return count;
}

/** The file's size within the cap and its first bytes an image's (an upload was checked while it streamed; this costs one read). */
async function checkFileHead(path: string, maxBytes: number): Promise<void> {
  const file = await open(path, 'r');
  try {
    if ((await file.stat()).size > maxBytes) throw tooLarge(maxBytes);
    const head = Buffer.alloc(IMAGE_HEAD_BYTES);
    const { bytesRead } = await file.read(head, 0, IMAGE_HEAD_BYTES, 0);
    checkImageHead(head.subarray(0, bytesRead));
  } finally {
    await file.close();
  }
}

async function toPng(input: string, pngPath: string): Promise<void> {
  try {
    const img = sharp(input, { limitInputPixels: MAX_PIXELS });
    const meta = await img.metadata();
    if (!meta.width || !meta.height || ((meta.pages ?? 1) > 1 && meta.format === 'gif')) throw new Error('not a still image');
    // From the header, before anything is decoded.
    if (meta.width * meta.height > MAX_PIXELS) throw tooManyPixels();
    await img.rotate().resize({ width: MAX_SIDE, height: MAX_SIDE, fit: 'inside', withoutEnlargement: true }).png().toFile(pngPath);
  } catch (e) {
    await rm(pngPath, { force: true });
    if (isAppError(e)) throw e;
    // libvips' words when limitInputPixels stops a decode the header did not tell about.
    if (e instanceof Error && /pixel limit/i.test(e.message)) throw tooManyPixels();
    throw new AppError('unsupported_media', 'input_reference is not an image that can be read', { param: 'input_reference' });
  }
}

const tooManyPixels = () =>
  new AppError('media_too_large', `the input_reference image has more than ${MAX_PIXELS} pixels (8192x8192)`, { param: 'input_reference' });

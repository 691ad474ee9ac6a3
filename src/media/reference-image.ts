import { readFile, rm } from 'node:fs/promises';
import sharp from 'sharp';
import { AppError, isAppError } from '../errors.js';
import { MAX_PIXELS } from '../ffmpeg/limits.js';

const MAX_SIDE = 4096;
const DATA_IMAGE = /^data:(image\/[a-z0-9.+-]+)(?:;[^,]*)?;base64,/i;

/**
 * A video's `input_reference`, as an uploaded file or an image URL (http(s) through the safe
 * fetcher, or data:image/...;base64), checked to be an image and stored as PNG.
 */
export async function prepareReferenceImage(
  ref: { path: string } | { imageUrl: string },
  scratchPath: string,
  fetchToFile: (url: string, dest: string) => Promise<unknown>,
  maxBytes: number,
): Promise<Buffer> {
  let input: Buffer;
  if ('path' in ref) {
    input = await readFile(ref.path);
  } else if (DATA_IMAGE.test(ref.imageUrl)) {
    const base64 = ref.imageUrl.slice(ref.imageUrl.indexOf(',') + 1);
    if (base64.length * 0.75 > maxBytes) throw new AppError('source_too_large', 'the input_reference image is too large', { param: 'input_reference' });
    input = Buffer.from(base64, 'base64');
  } else if (/^https?:/i.test(ref.imageUrl)) {
    try {
      await fetchToFile(ref.imageUrl, scratchPath);
      input = await readFile(scratchPath);
    } finally {
      await rm(scratchPath, { force: true });
    }
  } else {
    throw new AppError('invalid_url', 'input_reference.image_url must be an http(s) or data:image URL', { param: 'input_reference' });
  }
  try {
    const img = sharp(input, { limitInputPixels: MAX_PIXELS });
    const meta = await img.metadata();
    if (!meta.width || !meta.height || (meta.pages ?? 1) > 1 && meta.format === 'gif') throw new Error('not a still image');
    // From the header, before anything is decoded.
    if (meta.width * meta.height > MAX_PIXELS) throw tooLarge();
    return await img.rotate().resize({ width: MAX_SIDE, height: MAX_SIDE, fit: 'inside', withoutEnlargement: true }).png().toBuffer();
  } catch (e) {
    if (isAppError(e)) throw e;
    // libvips' words when limitInputPixels stops a decode the header did not tell about.
    if (e instanceof Error && /pixel limit/i.test(e.message)) throw tooLarge();
    throw new AppError('unsupported_media', 'input_reference is not an image that can be read', { param: 'input_reference' });
  }
}

const tooLarge = () => new AppError('media_too_large', `the input_reference image has more than ${MAX_PIXELS} pixels (8192x8192)`, { param: 'input_reference' });


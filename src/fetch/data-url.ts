import { open, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../errors.js';
import type { DownloadResult } from './download-options.js';

const VIDEO_MIME = /^video\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;
const OCTET_STREAM = 'application/octet-stream';
// Standard and URL-safe alphabets both decode the same way in Buffer.
const BASE64_BODY = /^[A-Za-z0-9+/_-]*$/;
const ASCII_WHITESPACE = /[\t\n\f\r ]+/g;
/** Base64 characters decoded per step: a multiple of 4, so every step ends on a whole quantum. */
const CHUNK_CHARS = 4 * 64 * 1024;

/**
 * Writes the bytes of a `data:video/<subtype>;base64,...` (or application/octet-stream) URL to
 * `destPath`. The size is known from the text before anything is decoded, so an oversized
 * payload is refused without touching the disk. `finalUrl` is only `data:<mime>`: the payload
 * is not worth repeating.
 */
export async function writeDataUrlToFile(dataUrl: string, destPath: string, maxBytes: number): Promise<DownloadResult> {
  const { mime, base64 } = checkDataUrl(dataUrl, maxBytes);

  const file = await open(destPath, 'w');
  let bytes = 0;
  try {
    const chunks = function* () {
      for (let i = 0; i < base64.length; i += CHUNK_CHARS) {
        const chunk = Buffer.from(base64.slice(i, i + CHUNK_CHARS), 'base64');
        bytes += chunk.length;
        yield chunk;
      }
    };
    await pipeline(Readable.from(chunks()), file.createWriteStream());
  } catch (err) {
    await file.close().catch(() => {});
    await rm(destPath, { force: true });
    throw new AppError('internal_error', 'could not store the source', { cause: err });
  }
  return { bytes, contentType: mime, finalUrl: `data:${mime}` };
}

/**
 * Validates a data: URL (media type, base64 syntax, decoded size) without decoding it.
 * Returns the media type and the base64 text without padding or whitespace.
 */
export function checkDataUrl(dataUrl: string, maxBytes: number): { mime: string; base64: string } {
  const parsed = parseDataUrl(dataUrl);
  const decodedSize = Math.floor((parsed.base64.length * 3) / 4);
  if (decodedSize > maxBytes) {
    throw new AppError('source_too_large', `source is larger than ${maxBytes} bytes`, { param: 'url' });
  }
  return parsed;
}

function parseDataUrl(dataUrl: string): { mime: string; base64: string } {
  const text = dataUrl.trim();
  const comma = text.indexOf(',');
  if (!/^data:/i.test(text) || comma === -1) throw malformed('url is not a valid data URL');

  const params = text
    .slice(5, comma)
    .split(';')
    .map((p) => p.trim());
  const mime = params[0].toLowerCase();
  if (!VIDEO_MIME.test(mime) && mime !== OCTET_STREAM) {
    throw malformed('a data URL must hold a video (data:video/<type>;base64,...)');
  }
  if (params.length < 2 || params[params.length - 1].toLowerCase() !== 'base64') {
    throw malformed('a data URL must be base64-encoded (data:video/<type>;base64,...)');
  }

  let payload = text.slice(comma + 1);
  if (payload.includes('%')) {
    try {
      payload = decodeURIComponent(payload);
    } catch {
      throw malformed('data URL payload is not valid base64');
    }
  }
  payload = payload.replace(ASCII_WHITESPACE, '');

  const padding = trailingEquals(payload);
  const base64 = payload.slice(0, payload.length - padding);
  const badPadding = padding > 2 || (padding > 0 && payload.length % 4 !== 0);
  if (badPadding || base64.length % 4 === 1 || !BASE64_BODY.test(base64)) {
    throw malformed('data URL payload is not valid base64');
  }
  if (base64.length === 0) throw malformed('data URL carries no data');
  return { mime, base64 };
}

/** Counted by hand: /=+$/ backtracks quadratically on a long run of '=' followed by anything. */
function trailingEquals(text: string): number {
  let count = 0;
  while (count < text.length && text.charCodeAt(text.length - 1 - count) === 0x3d) count++;
  return count;
}

function malformed(message: string): AppError {
  return new AppError('invalid_url', message, { param: 'url' });
}

import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import sharp from 'sharp';
import { AppError } from '../errors.js';
import type { RenderRequest } from './ports.js';
import type { MediaRef, UpstreamCharacter } from './upstream-api.js';

const AUDIO_TYPES: Record<string, string> = { '.m4a': 'audio/mp4', '.mp4': 'audio/mp4', '.aac': 'audio/aac', '.mp3': 'audio/mpeg', '.wav': 'audio/wav' };

const dataUri = (bytes: Buffer, contentType: string): MediaRef => ({ url: `data:${contentType};base64,${bytes.toString('base64')}`, contentType });

/**
 * The characters' reference media as the upstream receives them, with no public URL needed:
 * the portrait converted from the stored WebP to JPEG (what every upstream takes), the JPEG
 * frames and the voice sample inline as `data:` URIs. When the render job passes signed URLs of
 * this service (PUBLIC_URL_REACHABLE=true), frames and voice go as those URLs and the clip is
 * sent too; the portrait stays an inline JPEG (the stored one is WebP).
 */
export async function buildReferenceMedia(req: RenderRequest): Promise<{ characters: UpstreamCharacter[]; inputReference: MediaRef | null }> {
  const characters: UpstreamCharacter[] = [];
  for (const c of req.characters) {
    const urls = c.publicUrls ?? null;
    let portrait: Buffer;
    try {
      portrait = await sharp(c.portraitPath, { failOn: 'error' }).rotate().flatten({ background: '#ffffff' }).jpeg({ quality: 90 }).toBuffer();
    } catch (e) {
      throw new AppError('engine_error', `The portrait of character ${c.id} could not be read.`, { cause: e });
    }
    const frames: MediaRef[] = urls
      ? urls.frames.map((url) => ({ url, contentType: 'image/jpeg' }))
      : await Promise.all(c.framePaths.map(async (p) => dataUri(await readFile(p), 'image/jpeg')));
    const voiceType = c.voicePath ? (AUDIO_TYPES[extname(c.voicePath).toLowerCase()] ?? 'audio/mp4') : null;
    let voice: MediaRef | null = null;
    if (c.voicePath && voiceType) voice = urls?.voice ? { url: urls.voice, contentType: voiceType } : dataUri(await readFile(c.voicePath), voiceType);
    characters.push({
      username: c.username,
      displayName: c.displayName,
      portrait: dataUri(portrait, 'image/jpeg'),
      frames,
      voice,
      clip: urls ? { url: urls.clip, contentType: 'video/mp4' } : null,
    });
  }
  const inputReference = req.inputReferencePath ? dataUri(await readFile(req.inputReferencePath), 'image/png') : null;
  return { characters, inputReference };
}

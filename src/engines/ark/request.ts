import { imageLabel, rewriteMentions } from './prompt.js';
import type { ArkContentItem, ArkCreateTaskRequest } from './wire.js';

/** What the ark engine sends, with every image already a URL (https or data:). */
export interface ArkRenderInput {
  prompt: string;
  width: number;
  height: number;
  seconds: number;
  /** In task order; `images` holds the portrait first, then the character's reference frames. */
  characters: readonly { username: string; images: readonly string[] }[];
  inputReference: string | null;
}

/** The aspect ratios ModelArk's video models accept (`ratio`), besides `adaptive`. */
export const ARK_RATIOS = ['21:9', '16:9', '4:3', '1:1', '3:4', '9:16'] as const;

/** The documented ratio nearest to width:height (compared on a log scale, so 2:1 and 1:2 are as far from 1:1). */
export function arkRatio(width: number, height: number): string {
  const want = Math.log(width / height);
  let best: string = ARK_RATIOS[0];
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const r of ARK_RATIOS) {
    const [w, h] = r.split(':').map(Number);
    const d = Math.abs(Math.log(w / h) - want);
    if (d < bestDistance) {
      best = r;
      bestDistance = d;
    }
  }
  return best;
}

/** `480p`, `720p` or `1080p`: the smallest documented resolution that covers the short side. */
export function arkResolution(width: number, height: number): string {
  const short = Math.min(width, height);
  if (short <= 480) return '480p';
  if (short <= 720) return '720p';
  return '1080p';
}

/** Whole seconds (the API's `duration` is an integer). */
export function arkDuration(seconds: number): number {
  return Math.max(1, Math.round(seconds));
}

/**
 * Which images go upstream, within `maxImages`: every character's portrait first (a character
 * without one is not shown), then one slot for the input reference when there are characters,
 * then the characters' other images in turns, first ones first.
 */
export function pickImages(
  characters: ArkRenderInput['characters'],
  inputReference: string | null,
  maxImages: number,
): { perCharacter: string[][]; inputReference: string | null } {
  const perCharacter: string[][] = characters.map(() => []);
  let left = maxImages;
  characters.forEach((c, i) => {
    if (left > 0 && c.images.length > 0) {
      perCharacter[i].push(c.images[0]);
      left--;
    }
  });
  const withCharacters = perCharacter.some((images) => images.length > 0);
  const keepReference = inputReference !== null && (!withCharacters || left > 0);
  if (keepReference && withCharacters) left--;
  for (let turn = 1; left > 0; turn++) {
    let added = false;
    characters.forEach((c, i) => {
      if (left > 0 && turn < c.images.length) {
        perCharacter[i].push(c.images[turn]);
        left--;
        added = true;
      }
    });
    if (!added) break;
  }
  return { perCharacter, inputReference: keepReference ? inputReference : null };
}

/**
 * The create-task body: one `text` item (the prompt, mentions rewritten to `[Image n]`), then the
 * characters' images as `reference_image` items in order (so `[Image n]` is the n-th one), then
 * the input reference (a `reference_image` too when there are characters, since ModelArk does not
 * mix reference images with frames; the `first_frame` otherwise), and the generation parameters.
 */
export function toCreateTask(input: ArkRenderInput, model: string, maxImages: number): ArkCreateTaskRequest {
  const picked = pickImages(input.characters, input.inputReference, maxImages);
  const images: ArkContentItem[] = [];
  const labels = new Map<string, string>();
  input.characters.forEach((c, i) => {
    const urls = picked.perCharacter[i];
    if (urls.length === 0) return;
    const indexes = urls.map((_, k) => images.length + k + 1);
    labels.set(c.username.toLowerCase(), imageLabel(indexes));
    for (const url of urls) images.push({ type: 'image_url', image_url: { url }, role: 'reference_image' });
  });
  if (picked.inputReference !== null) {
    const role = images.length > 0 ? 'reference_image' : 'first_frame';
    images.push({ type: 'image_url', image_url: { url: picked.inputReference }, role });
  }
  return {
    model,
    content: [{ type: 'text', text: rewriteMentions(input.prompt, labels) }, ...images],
    ratio: arkRatio(input.width, input.height),
    resolution: arkResolution(input.width, input.height),
    duration: arkDuration(input.seconds),
    watermark: false,
  };
}

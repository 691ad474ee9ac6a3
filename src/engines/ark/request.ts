import { rewriteMentions } from '../prompt-names.js';
import type { UpstreamCharacter, UpstreamRender } from '../upstream-api.js';
import type { ArkContentItem, ArkCreateTaskRequest } from './wire.js';

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

/** A character's images for Seedance: the portrait first, then its reference frames. */
export const characterImages = (c: UpstreamCharacter): string[] => [c.portrait.url, ...c.frames.map((f) => f.url)];

/**
 * Which images go upstream, within `maxImages`: every character's portrait first, then one slot
 * for the input reference when there are characters, then the characters' frames in turns.
 */
export function pickImages(
  characters: readonly (readonly string[])[],
  inputReference: string | null,
  maxImages: number,
): { perCharacter: string[][]; inputReference: string | null } {
  const perCharacter: string[][] = characters.map(() => []);
  let left = maxImages;
  characters.forEach((images, i) => {
    if (left > 0 && images.length > 0) {
      perCharacter[i].push(images[0]);
      left--;
    }
  });
  const withCharacters = perCharacter.some((images) => images.length > 0);
  const keepReference = inputReference !== null && (!withCharacters || left > 0);
  if (keepReference && withCharacters) left--;
  for (let turn = 1; left > 0; turn++) {
    let added = false;
    characters.forEach((images, i) => {
      if (left > 0 && turn < images.length) {
        perCharacter[i].push(images[turn]);
        left--;
        added = true;
      }
    });
    if (!added) break;
  }
  return { perCharacter, inputReference: keepReference ? inputReference : null };
}

/** What an ark task sends: its image budget and whether Seedance 2.0's video and audio references go too. */
export interface ArkSendOptions {
  /** ARK_MAX_REFERENCE_IMAGES. */
  maxImages: number;
  /**
   * ARK_REFERENCE_MEDIA: `images` (every Seedance model) or `all` (Seedance 2.0: also each
   * character's clip as a `reference_video` and its voice as a `reference_audio`, when they are
   * links this service signed, i.e. with PUBLIC_URL_REACHABLE=true; inline media stays home).
   */
  media: 'images' | 'all';
}

const isLink = (url: string) => /^https?:\/\//i.test(url);

/**
 * The create-task body (CreateContentGenerationTaskRequest): one `text` item, the prompt with each
 * `@username` rewritten to its character's media as Seedance on ModelArk names them (`[Image n]`
 * is the n-th image item, `[Video n]` and `[Audio n]` likewise within their type: `[图1]` in
 * ModelArk's Chinese reference-to-video docs, `[Image 1]` in the English ones); the characters'
 * images as `reference_image` items in task order; the input reference (a `reference_image` too
 * when there are characters, as ModelArk does not mix reference images with frames; else the
 * `first_frame`); with `media: 'all'`, the clips and voices; `ratio`, `resolution` and `duration`
 * from the task's size and seconds; no watermark. A character left without any medium by the
 * budget is named by its display name.
 */
export function toCreateTask(render: UpstreamRender, opts: ArkSendOptions): ArkCreateTaskRequest {
  const picked = pickImages(render.characters.map(characterImages), render.inputReference?.url ?? null, opts.maxImages);
  const images: ArkContentItem[] = [];
  const others: ArkContentItem[] = [];
  let videos = 0;
  let audios = 0;
  const names = render.characters.map((c, i) => {
    const labels: string[] = [];
    for (const url of picked.perCharacter[i]) {
      images.push({ type: 'image_url', image_url: { url }, role: 'reference_image' });
      labels.push(`[Image ${images.length}]`);
    }
    if (opts.media === 'all' && c.clip && isLink(c.clip.url)) {
      others.push({ type: 'video_url', video_url: { url: c.clip.url }, role: 'reference_video' });
      labels.push(`[Video ${++videos}]`);
    }
    if (opts.media === 'all' && c.voice && isLink(c.voice.url)) {
      others.push({ type: 'audio_url', audio_url: { url: c.voice.url }, role: 'reference_audio' });
      labels.push(`[Audio ${++audios}]`);
    }
    return labels.length > 0 ? labels.join('') : c.displayName;
  });
  if (picked.inputReference !== null) {
    images.push({ type: 'image_url', image_url: { url: picked.inputReference }, role: images.length + others.length > 0 ? 'reference_image' : 'first_frame' });
  }
  const text = rewriteMentions(
    render.prompt,
    render.characters.map((c) => c.username),
    (i) => names[i],
  );
  return {
    model: render.model,
    content: [{ type: 'text', text }, ...images, ...others],
    ratio: arkRatio(render.width, render.height),
    resolution: arkResolution(render.width, render.height),
    duration: arkDuration(render.seconds),
    watermark: false,
  };
}

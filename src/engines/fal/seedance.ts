import { rewriteMentions } from '../prompt-names.js';
import type { MediaRef, UpstreamRender } from '../upstream-api.js';
import { aspectOf } from './sizes.js';

/**
 * Seedance 2.0 reference-to-video on fal (`bytedance/seedance-2.0/reference-to-video`, and its
 * `fast` tier). Input (fal model API reference): `prompt`, `image_urls` (up to 9, referred to as
 * @Image1, @Image2 ...), `video_urls` (up to 3), `audio_urls` (up to 3, needs an image or
 * video), at most 12 files in all; `resolution` 480p | 720p (| 1080p, not on fast); `duration`
 * "4".."15" (or "auto"); `aspect_ratio` 21:9, 16:9, 4:3, 1:1, 3:4, 9:16 (or "auto").
 *
 * The characters' portraits come first, in order, so `@username` of the i-th character becomes
 * `@Image<i>`; their frames follow, then the input reference, as room allows. Voices go as
 * `audio_urls`, clips (only when PUBLIC_URL is reachable) as `video_urls`.
 */
export const SEEDANCE_MAX_IMAGES = 9;
const MAX_FILES = 12;

export function seedanceInput(r: UpstreamRender): Record<string, unknown> {
  const portraits = r.characters.map((c) => c.portrait.url);
  const videos = r.characters.flatMap((c) => (c.clip ? [c.clip.url] : [])).slice(0, 3);
  const audios = r.characters.flatMap((c) => (c.voice ? [c.voice.url] : [])).slice(0, 3);
  const imageRoom = Math.min(SEEDANCE_MAX_IMAGES, MAX_FILES - videos.length - audios.length) - portraits.length - (r.inputReference ? 1 : 0);
  const frames = interleave(r.characters.map((c) => c.frames)).slice(0, Math.max(0, imageRoom));
  const images = [...portraits, ...frames.map((f) => f.url), ...(r.inputReference ? [r.inputReference.url] : [])];
  const fast = /\/fast\//.test(r.model);
  const long = Math.max(r.width, r.height);
  return {
    prompt: rewriteMentions(
      r.prompt,
      r.characters.map((c) => c.username),
      (i) => `@Image${i + 1}`,
    ),
    ...(images.length > 0 ? { image_urls: images } : {}),
    ...(videos.length > 0 ? { video_urls: videos } : {}),
    ...(audios.length > 0 && images.length + videos.length > 0 ? { audio_urls: audios } : {}),
    resolution: long > 1280 && !fast ? '1080p' : '720p',
    duration: String(Math.min(15, Math.max(4, Math.round(r.seconds)))),
    aspect_ratio: aspectOf(r.width, r.height),
  };
}

/** Frames taken one per character in turn, so two characters share the room evenly. */
function interleave(lists: MediaRef[][]): MediaRef[] {
  const out: MediaRef[] = [];
  const longest = Math.max(0, ...lists.map((l) => l.length));
  for (let i = 0; i < longest; i++) for (const l of lists) if (l[i]) out.push(l[i]);
  return out;
}

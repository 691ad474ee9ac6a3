import { rewriteMentions } from '../prompt-names.js';
import type { UpstreamRender } from '../upstream-api.js';
import { aspectOf } from './sizes.js';

/**
 * Veo 3.1 reference-to-video on fal (`fal-ai/veo3.1/reference-to-video`). Input (fal model API
 * reference): `prompt`; `image_urls` (reference images for the subjects' appearance, not named
 * in the prompt); `duration` (default and only documented value "8s"); `resolution` 720p |
 * 1080p | 4k; `aspect_ratio` 16:9 | 9:16.
 *
 * Veo has no naming of references, so `@username` becomes the character's display name; the
 * portraits go first, then frames, then the input reference, at most VEO_MAX_IMAGES in all.
 */
export const VEO_MAX_IMAGES = 3;

export function veoInput(r: UpstreamRender): Record<string, unknown> {
  const images = [
    ...r.characters.map((c) => c.portrait.url),
    ...r.characters.flatMap((c) => c.frames.map((f) => f.url)),
    ...(r.inputReference ? [r.inputReference.url] : []),
  ];
  // The input reference is kept when frames must go: it is what the client asked for.
  const kept =
    r.inputReference && images.length > VEO_MAX_IMAGES ? [...images.slice(0, VEO_MAX_IMAGES - 1), r.inputReference.url] : images.slice(0, VEO_MAX_IMAGES);
  const aspect = aspectOf(r.width, r.height);
  return {
    prompt: rewriteMentions(
      r.prompt,
      r.characters.map((c) => c.username),
      (i) => r.characters[i].displayName,
    ),
    ...(kept.length > 0 ? { image_urls: kept } : {}),
    duration: '8s',
    resolution: Math.max(r.width, r.height) > 1280 ? '1080p' : '720p',
    aspect_ratio: aspect === '1:1' ? '16:9' : aspect,
  };
}

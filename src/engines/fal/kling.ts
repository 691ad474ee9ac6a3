import { rewriteMentions } from '../prompt-names.js';
import type { UpstreamRender } from '../upstream-api.js';
import { aspectOf } from './sizes.js';

/**
 * Kling O3 reference-to-video on fal (`fal-ai/kling-video/o3/{pro,standard}/reference-to-video`).
 * Input (fal model API reference): `prompt`; `elements` (characters or objects, referred to as
 * @Element1, @Element2: each `{frontal_image_url, reference_image_urls}`); `image_urls` (style
 * references, @Image1 ...); `duration` "3".."15" (default "5"); `aspect_ratio` 16:9 | 9:16 | 1:1.
 *
 * Each character is one element: its portrait as the frontal image, its frames as the other
 * views (the portrait again when it has none), so `@username` of the i-th character becomes
 * `@Element<i>`. The input reference goes as an image.
 */
export function klingInput(r: UpstreamRender): Record<string, unknown> {
  return {
    prompt: rewriteMentions(
      r.prompt,
      r.characters.map((c) => c.username),
      (i) => `@Element${i + 1}`,
    ),
    ...(r.characters.length > 0
      ? {
          elements: r.characters.map((c) => ({
            frontal_image_url: c.portrait.url,
            reference_image_urls: c.frames.length > 0 ? c.frames.map((f) => f.url) : [c.portrait.url],
          })),
        }
      : {}),
    ...(r.inputReference ? { image_urls: [r.inputReference.url] } : {}),
    duration: String(Math.min(15, Math.max(3, Math.round(r.seconds)))),
    aspect_ratio: aspectOf(r.width, r.height),
  };
}

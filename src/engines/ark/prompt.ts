/**
 * `@owner.handle` mentions rewritten to how Seedance on ModelArk names reference images: the
 * prompt calls the n-th `reference_image` item `[Image n]` (ModelArk's reference-to-video
 * docs: `[图1]` in Chinese, `[Image 1]` in English). The pattern is the service's mention
 * grammar (src/videos/mentions.ts): e-mail addresses and dotted words are not mentions.
 */
const MENTION = /(?<![\w.@])@([a-z0-9_]{1,32}\.[a-z0-9_]{3,30})(?![\w])/gi;

/** `[Image 1]`, or `[Image 1][Image 2]` for a character shown in several images. */
export function imageLabel(indexes: readonly number[]): string {
  return indexes.map((i) => `[Image ${i}]`).join('');
}

/**
 * Replaces each mention of a known username (any case) by its label; a mention of a username
 * not in `labels` is left as written.
 */
export function rewriteMentions(prompt: string, labels: ReadonlyMap<string, string>): string {
  return prompt.replace(MENTION, (whole, username: string) => labels.get(username.toLowerCase()) ?? whole);
}

/**
 * `@owner.handle` mentions in a prompt. The lookbehind keeps e-mail addresses (`bob@example.com`)
 * and dotted words from counting as mentions.
 */
const MENTION = /(?<![\w.@])@([a-z0-9_]{1,32}\.[a-z0-9_]{3,30})(?![\w])/gi;

export function findMentions(prompt: string): string[] {
  const seen = new Set<string>();
  for (const m of prompt.matchAll(MENTION)) seen.add(m[1].toLowerCase());
  return [...seen];
}

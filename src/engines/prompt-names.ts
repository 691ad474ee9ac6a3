/**
 * `@username` mentions rewritten to an upstream's naming (`@Image1`, `@Element2`, or a plain
 * name), by the character's position in the task. The mention grammar is the one of
 * src/videos/mentions.ts (kept in step by test/engines/prompt-names.test.ts).
 */
const MENTION = /(?<![\w.@])@([a-z0-9_]{1,32}\.[a-z0-9_]{3,30})(?![\w])/gi;

export function rewriteMentions(prompt: string, usernames: readonly string[], nameOf: (index: number) => string): string {
  const index = new Map(usernames.map((u, i) => [u.toLowerCase(), i]));
  return prompt.replace(MENTION, (whole, username: string) => {
    const i = index.get(username.toLowerCase());
    return i === undefined ? whole : nameOf(i);
  });
}

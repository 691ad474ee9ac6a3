/** Keys that reach Object.prototype through a plain object: refused in every key a client chooses. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export const isForbiddenKey = (key: string) => FORBIDDEN_KEYS.has(key);

/**
 * The top-level field under which a forbidden key sits (the key itself at the top), or null.
 * Iterative, so a deeply nested body cannot overflow the stack.
 */
export function fieldWithForbiddenKey(value: unknown): string | null {
  const stack: { node: unknown; field: string | null }[] = [{ node: value, field: null }];
  while (stack.length > 0) {
    const { node, field } = stack.pop()!;
    if (Array.isArray(node)) {
      for (const item of node) stack.push({ node: item, field });
    } else if (typeof node === 'object' && node !== null) {
      for (const key of Object.keys(node)) {
        if (isForbiddenKey(key)) return field ?? key;
        stack.push({ node: (node as Record<string, unknown>)[key], field: field ?? key });
      }
    }
  }
  return null;
}

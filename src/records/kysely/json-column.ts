/** JSON columns are text in both dialects. */
export const toJson = (value: unknown): string => JSON.stringify(value ?? null);

export function fromJson<T>(text: string | null): T | null {
  if (text === null || text === '') return null;
  return JSON.parse(text) as T;
}

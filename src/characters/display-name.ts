import { z } from 'zod';
import { AppError } from '../errors.js';

export const DISPLAY_NAME_MAX = 80;

/**
 * The one rule of a character's display name (the SDK's `name`): 1..80 characters, not blank;
 * kept trimmed. The API schemas use it as it is; the SDK upload and the CLI, which have no JSON
 * body to validate, go through `parseDisplayName`.
 */
export const DisplayName = z
  .string()
  .max(DISPLAY_NAME_MAX, `must be 1..${DISPLAY_NAME_MAX} characters`)
  .refine((s) => s.trim().length > 0, `must be 1..${DISPLAY_NAME_MAX} characters, not blank`)
  .transform((s) => s.trim());

export function parseDisplayName(value: unknown, param: string): string {
  const parsed = DisplayName.safeParse(value);
  if (!parsed.success) throw new AppError('invalid_parameter', `${param} must be 1..${DISPLAY_NAME_MAX} characters, not blank`, { param });
  return parsed.data;
}

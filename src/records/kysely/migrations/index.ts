import type { Migration } from 'kysely';
import { initial } from './0001_initial.js';
import { uniqueKeyNames } from './0002_unique_key_names.js';
import { taskUpstream } from './0004_task_upstream.js';

/**
 * Every migration, by name, in order. A static map rather than a folder read, so it works the
 * same from src (tsx, vitest) and from dist. Add new ones with the next number; never edit one
 * that has shipped.
 */
export const migrations: Record<string, Migration> = {
  '0001_initial': initial,
  '0002_unique_key_names': uniqueKeyNames,
  '0004_task_upstream': taskUpstream,
};

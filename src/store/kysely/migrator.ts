import { Migrator, type Kysely, type MigrationResult } from 'kysely';
import type { DB } from './database.js';
import { migrations } from './migrations/index.js';

export function createMigrator(db: Kysely<DB>): Migrator {
  return new Migrator({ db, provider: { getMigrations: async () => migrations } });
}

/**
 * Brings the schema to the latest migration; a no-op when it is there already. Safe to run from
 * several processes at once (Kysely takes a lock). Returns the migrations applied by this call.
 */
export async function migrateToLatest(db: Kysely<DB>): Promise<MigrationResult[]> {
  const { error, results } = await createMigrator(db).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`database migration ${failed ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return results ?? [];
}

import { type Kysely, type MigrationResult, Migrator, PostgresAdapter, sql } from 'kysely';
import type { DB } from './database.js';
import { migrations } from './migrations/index.js';

/**
 * Kysely's migrator looks for its own tables in every schema of a PostgreSQL database, so a second
 * schema (another deployment, a test run) would fool it. Pin its tables to the current schema.
 */
async function migrationTableSchema(db: Kysely<DB>): Promise<string | undefined> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return undefined;
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error('PostgreSQL: no current schema (check search_path)');
  return schema;
}

export async function createMigrator(db: Kysely<DB>): Promise<Migrator> {
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableSchema: await migrationTableSchema(db),
  });
}

/**
 * Brings the schema to the latest migration; a no-op when it is there already. Safe to run from
 * several processes at once (Kysely takes a lock). Returns the migrations applied by this call.
 */
export async function migrateToLatest(db: Kysely<DB>): Promise<MigrationResult[]> {
  const { error, results } = await (await createMigrator(db)).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`database migration ${failed ?? ''} failed: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return results ?? [];
}

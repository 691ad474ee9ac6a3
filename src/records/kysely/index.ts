import { sql } from 'kysely';
import type { Store } from '../ports.js';
import { createApiKeysRepo } from './api-keys-repo.js';
import { createCharactersRepo } from './characters-repo.js';
import { type Database, openDatabase } from './database.js';
import { createIdempotencyRepo } from './idempotency-repo.js';
import { createJobsRepo } from './jobs-repo.js';
import { migrateToLatest } from './migrator.js';
import { createVideoTasksRepo } from './video-tasks-repo.js';

export { type Database, type DB, type Dialect, isPostgresUrl, openDatabase } from './database.js';
export { createMigrator, migrateToLatest } from './migrator.js';

/**
 * The Store over one database. `externalChanges` (SQLite only) moves whenever another connection
 * commits: the cheap signal that lets the composition root serve lookups from memory.
 */
export interface KyselyStore extends Store {
  externalChanges: (() => number) | null;
}

/** The Store over an open database (already migrated). `close` destroys the database. */
export function createStoreOn({ db, dialect, externalChanges }: Database): KyselyStore {
  return {
    externalChanges: externalChanges ?? null,
    keys: createApiKeysRepo(db, dialect),
    characters: createCharactersRepo(db, dialect),
    idempotency: createIdempotencyRepo(db),
    jobs: createJobsRepo(db, dialect),
    tasks: createVideoTasksRepo(db, dialect),
    async ping() {
      await sql`select 1`.execute(db);
    },
    async close() {
      await db.destroy();
    },
  };
}

/**
 * Opens `url` (`sqlite:<path>`, a file path, or `postgres://...`), migrates it to the latest
 * schema and returns the Store.
 */
export async function createKyselyStore(url: string): Promise<KyselyStore> {
  const database = openDatabase(url);
  try {
    await migrateToLatest(database.db);
  } catch (err) {
    await database.db.destroy().catch(() => {});
    throw err;
  }
  return createStoreOn(database);
}

/** For `sora-characters migrate`: opens `url`, migrates it, closes it; returns the names applied. */
export async function migrateDatabase(url: string): Promise<string[]> {
  const { db } = openDatabase(url);
  try {
    return (await migrateToLatest(db)).map((r) => r.migrationName);
  } finally {
    await db.destroy();
  }
}

import { sql } from 'kysely';
import type { Store } from '../types.js';
import { createApiKeysRepo } from './api-keys-repo.js';
import { createCharactersRepo } from './characters-repo.js';
import { openDatabase, type Database } from './database.js';
import { createIdempotencyRepo } from './idempotency-repo.js';
import { createJobsRepo } from './jobs-repo.js';
import { migrateToLatest } from './migrator.js';
import { createVideoTasksRepo } from './video-tasks-repo.js';
import { withCharacterCache } from '../cached-characters.js';

export { openDatabase, isPostgresUrl, type Database, type DB, type Dialect } from './database.js';
export { migrateToLatest, createMigrator } from './migrator.js';

/** The Store over an open database (already migrated). `close` destroys the database. */
export function createStoreOn({ db, dialect, externalChanges }: Database): Store {
  const characters = createCharactersRepo(db, dialect);
  return {
    keys: createApiKeysRepo(db, dialect),
    // SQLite can tell cheaply when someone else committed, so lookups can be served from memory.
    characters: externalChanges ? withCharacterCache(characters, { externalChanges }) : characters,
    idempotency: createIdempotencyRepo(db),
    jobs: createJobsRepo(db, dialect),
    tasks: createVideoTasksRepo(db),
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
export async function createKyselyStore(url: string): Promise<Store> {
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

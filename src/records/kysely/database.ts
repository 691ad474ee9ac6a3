import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';

/**
 * Table types of the store. Dialect-neutral on purpose: JSON is text, times are integers
 * (unix seconds, or ms for jobs; `bigint` in PostgreSQL, parsed back to JS numbers), fractional
 * seconds are `double precision`.
 */
export interface ApiKeysTable {
  id: string;
  name: string;
  hash: string;
  owner: string;
  created_at: number;
  revoked_at: number | null;
}

export interface CharactersTable {
  id: string;
  key_id: string;
  owner: string;
  handle: string;
  username: string;
  username_lower: string;
  display_name: string;
  visibility: string;
  status: string;
  error_code: string | null;
  error_message: string | null;
  source_kind: string;
  source_ref: string;
  start_sec: number;
  end_sec: number;
  model: string | null;
  portrait_key: string | null;
  clip_key: string | null;
  /** JSON text or null. */
  media: string | null;
  created_at: number;
  updated_at: number;
}

export interface IdempotencyTable {
  key_id: string;
  idem_key: string;
  request_hash: string;
  character_id: string;
  created_at: number;
}

export interface JobsTable {
  id: string;
  type: string;
  /** JSON text. */
  payload: string;
  state: string;
  attempts: number;
  run_after: number;
  locked_by: string | null;
  locked_at: number | null;
  last_error: string | null;
  created_at: number;
}

export interface VideoTasksTable {
  id: string;
  key_id: string;
  model: string;
  engine: string;
  status: string;
  progress: number;
  prompt: string;
  size: string;
  seconds: string;
  remixed_from_video_id: string | null;
  /** JSON text: an array of character ids. */
  character_ids: string;
  input_reference_key: string | null;
  video_key: string | null;
  thumbnail_key: string | null;
  spritesheet_key: string | null;
  duration_sec: number | null;
  error_code: string | null;
  error_message: string | null;
  created_at: number;
  completed_at: number | null;
  expires_at: number | null;
  upstream_id: string | null;
  upstream_model: string | null;
  upstream_submitted_at: number | null;
}

export interface DB {
  api_keys: ApiKeysTable;
  characters: CharactersTable;
  idempotency: IdempotencyTable;
  jobs: JobsTable;
  video_tasks: VideoTasksTable;
}

export type Dialect = 'sqlite' | 'postgres';

export interface Database {
  db: Kysely<DB>;
  dialect: Dialect;
  /** SQLite only: `PRAGMA data_version`, which moves when another connection commits. */
  externalChanges?: () => number;
}

const PG_INT8_OID = 20;

/** INT8 (bigint, count(*)) as JS numbers: every integer the store keeps is far below 2^53. */
const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === PG_INT8_OID && format !== 'binary' ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//i.test(url);

/** The file path of a `sqlite:<path>`, `sqlite://<path>` or plain-path URL (`:memory:` kept). */
export function sqlitePath(url: string): string {
  let path = url;
  if (/^sqlite:\/\//i.test(path)) path = path.slice('sqlite://'.length);
  else if (/^sqlite:/i.test(path)) path = path.slice('sqlite:'.length);
  if (path === '') throw new Error('DATABASE_URL: empty sqlite path');
  return path;
}

/**
 * Opens the database of `url`: `postgres://` / `postgresql://` -> a pg Pool; `sqlite:<path>` or
 * a plain file path -> better-sqlite3 (WAL, foreign keys, busy timeout 5 s, synchronous NORMAL).
 * Does not migrate (see migrateToLatest).
 */
export function openDatabase(url: string): Database {
  if (isPostgresUrl(url)) {
    const pool = new pg.Pool({ connectionString: url, types: pgTypes, max: 10 });
    // An idle client losing its connection must not crash the process; the next query reports it.
    pool.on('error', () => {});
    return { db: new Kysely<DB>({ dialect: new PostgresDialect({ pool }) }), dialect: 'postgres' };
  }
  const path = sqlitePath(url);
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new SqliteDatabase(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  const dataVersion = sqlite.prepare('PRAGMA data_version').pluck();
  return {
    db: new Kysely<DB>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) }),
    dialect: 'sqlite',
    externalChanges: () => dataVersion.get() as number,
  };
}

/**
 * Kysely prepares every query anew; preparing costs more than running a point lookup. The same
 * SQL text reuses its statement (Kysely runs one query at a time on this single connection).
 */
function withStatementCache(sqlite: SqliteDatabase.Database) {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let stmt = statements.get(sql);
      if (!stmt) {
        if (statements.size >= 500) statements.clear();
        stmt = sqlite.prepare(sql);
        statements.set(sql, stmt);
      }
      return stmt;
    },
  };
}

import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Runs one statement on its own connection to `base`. */
async function adminQuery(base: string, statement: string): Promise<void> {
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(statement);
  } finally {
    await admin.end();
  }
}

/**
 * A fresh PostgreSQL schema of its own for one test file (tests of several engineers share the
 * server): `url` is `base` with that schema as its search_path; `drop()` removes it and all in it.
 */
export async function freshPostgresSchema(base: string, prefix: string): Promise<{ schema: string; url: string; drop(): Promise<void> }> {
  const schema = `${prefix}_${randomBytes(6).toString('hex')}`;
  await adminQuery(base, `create schema ${schema}`);
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return { schema, url: url.toString(), drop: () => adminQuery(base, `drop schema if exists ${schema} cascade`) };
}

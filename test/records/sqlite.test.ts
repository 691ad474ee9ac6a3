import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sqlitePath } from '../../src/records/kysely/database.js';
import { createKyselyStore, openDatabase } from '../../src/records/kysely/index.js';
import { describeMigrations, describeStoreContract } from './store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'sora-store-'));
const url = `sqlite:${join(dir, 'nested', 'store.db')}`;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeStoreContract('sqlite', () => createKyselyStore(url));
describeMigrations('sqlite', () => `sqlite:${join(dir, 'migrations.db')}`);

describe('sqlite database', () => {
  it('reads sqlite:, sqlite:// and plain paths', () => {
    expect(sqlitePath('sqlite:/tmp/a.db')).toBe('/tmp/a.db');
    expect(sqlitePath('sqlite:///tmp/a.db')).toBe('/tmp/a.db');
    expect(sqlitePath('sqlite:data/a.db')).toBe('data/a.db');
    expect(sqlitePath('./data/a.db')).toBe('./data/a.db');
    expect(sqlitePath(':memory:')).toBe(':memory:');
    expect(() => sqlitePath('sqlite:')).toThrow();
  });

  it('opens a plain file path with WAL, foreign keys, busy timeout and synchronous NORMAL', async () => {
    const { db } = openDatabase(join(dir, 'plain.db'));
    try {
      const { sql } = await import('kysely');
      const one = async (q: string) => Object.values((await sql.raw<Record<string, unknown>>(q).execute(db)).rows[0])[0];
      expect(await one('pragma journal_mode')).toBe('wal');
      expect(await one('pragma foreign_keys')).toBe(1);
      expect(await one('pragma busy_timeout')).toBe(5000);
      expect(await one('pragma synchronous')).toBe(1);
    } finally {
      await db.destroy();
    }
  });
});

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import { createKyselyStore } from '../../src/records/kysely/index.js';
import { tierAvailable } from '../support/tiers.js';
import { describeMigrations, describeStoreContract } from './store-contract.js';

/** Runs when TEST_DATABASE_URL is set, each run in a fresh schema that it drops afterwards. */
const base = process.env.TEST_DATABASE_URL;

const withSearchPath = (url: string, schema: string): string => {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
};

describe.skipIf(!tierAvailable('PostgreSQL store suites'))('postgres store', () => {
  const schemas = {
    store: `store_test_${randomBytes(6).toString('hex')}`,
    migrations: `store_mig_${randomBytes(6).toString('hex')}`,
  };
  let admin: pg.Client;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: base });
    await admin.connect();
    for (const s of Object.values(schemas)) await admin.query(`create schema "${s}"`);
  });
  afterAll(async () => {
    if (!admin) return;
    for (const s of Object.values(schemas)) await admin.query(`drop schema if exists "${s}" cascade`);
    await admin.end();
  });

  describeStoreContract('postgres', () => createKyselyStore(withSearchPath(base!, schemas.store)));
  describeMigrations('postgres', () => withSearchPath(base!, schemas.migrations));
});

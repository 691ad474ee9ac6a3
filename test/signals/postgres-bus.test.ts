import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe } from 'vitest';
import { createPostgresBus } from '../../src/signals/postgres-bus.js';
import { tierAvailable } from '../support/tiers.js';
import { describeSignalBusContract } from './signal-bus-contract.js';

const url = process.env.TEST_DATABASE_URL;

/** Runs when TEST_DATABASE_URL is set; every pair on its own channel (NOTIFY channels are per database, not per schema). */
describe.skipIf(!tierAvailable('PostgreSQL store suites'))('postgres signal bus', () => {
  describeSignalBusContract('postgres', async () => {
    const prefix = `sc_test_${randomBytes(6).toString('hex')}_`;
    const listenerName = `sc-test-listener-${randomBytes(6).toString('hex')}`;
    const a = createPostgresBus({ url: url!, channelPrefix: prefix });
    const b = createPostgresBus({ url: url!, channelPrefix: prefix, applicationName: listenerName, reconnectMs: 100 });
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    return {
      a,
      b,
      another: () => createPostgresBus({ url: url!, channelPrefix: prefix }),
      stranger: async () => createPostgresBus({ url: url!, channelPrefix: `sc_test_${randomBytes(6).toString('hex')}_` }),
      sendRaw: async (text) => {
        await admin.query('select pg_notify($1, $2)', [`${prefix}signals`, text]);
      },
      // Only b's listening session (found by its application_name and its LISTEN) is ended.
      cutListener: async () => {
        const { rows } = await admin.query(
          "select pg_terminate_backend(pid) as ended from pg_stat_activity where application_name = $1 and query ilike 'LISTEN%'",
          [listenerName],
        );
        if (rows.length !== 1 || !rows[0].ended) throw new Error(`expected one listening session named ${listenerName}, found ${rows.length}`);
      },
      async close() {
        await Promise.all([a.close(), b.close()]);
        await admin.end();
      },
    };
  });
});

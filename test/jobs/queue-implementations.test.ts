import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { describe } from 'vitest';
import { createBullmqQueue } from '../../src/jobs/bullmq/bullmq-queue.js';
import { createInProcessQueue } from '../../src/jobs/inprocess/inprocess-queue.js';
import { createKyselyStore } from '../../src/records/kysely/index.js';
import type { Store } from '../../src/records/ports.js';
import { tierAvailable } from '../support/tiers.js';
import { describeQueueContract, type QueueTestEnv } from './queue-contract.js';

/** The embedded queue on a store: each test a fresh database (a file, or a schema). */
function inProcessEnv(kind: 'sqlite' | 'postgres'): QueueTestEnv {
  let dir = '';
  let admin: pg.Client | null = null;
  let schema = '';
  let n = 0;
  let store: Store | null = null;
  let url = '';
  const fresh = async () => {
    n++;
    if (kind === 'sqlite') {
      url = `sqlite:${join(dir, `jobs-${n}.sqlite`)}`;
    } else {
      schema = `queue_test_${randomBytes(6).toString('hex')}`;
      await admin!.query(`create schema "${schema}"`);
      const u = new URL(process.env.TEST_DATABASE_URL!);
      u.searchParams.set('options', `-c search_path=${schema}`);
      url = u.toString();
    }
    store = await createKyselyStore(url);
  };
  const dropAll = async () => {
    await store?.close();
    store = null;
    if (kind === 'postgres' && schema) await admin!.query(`drop schema if exists "${schema}" cascade`);
  };
  return {
    async setup() {
      if (kind === 'sqlite') dir = await mkdtemp(join(tmpdir(), 'sc-queue-contract-'));
      else {
        admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
        await admin.connect();
      }
      await fresh();
    },
    newQueue: async (o) =>
      createInProcessQueue(store!.jobs, {
        concurrency: o.concurrency,
        maxAttempts: o.maxAttempts,
        retryBaseMs: o.retryBaseMs,
        // Shared by the test's "workers": a job left running is not theirs to requeue at start.
        exclusive: false,
        pollMs: 20,
      }),
    async reset() {
      await dropAll();
      await fresh();
    },
    async teardown() {
      await dropAll();
      await admin?.end();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** BullMQ on the test Redis: every test its own key prefix, its keys removed after (never FLUSHALL). */
function bullmqEnv(): QueueTestEnv {
  const url = process.env.TEST_REDIS_URL!;
  let prefix = '';
  let redis: Redis;
  const fresh = () => {
    prefix = `sc-test-${randomBytes(6).toString('hex')}`;
  };
  const removeKeys = async () => {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  };
  return {
    async setup() {
      redis = new Redis(url);
      fresh();
    },
    newQueue: async (o) =>
      createBullmqQueue({ url, prefix, concurrency: o.concurrency, maxAttempts: o.maxAttempts, retryBaseMs: o.retryBaseMs, lockMs: 2_000 }),
    async reset() {
      await removeKeys();
      fresh();
    },
    async teardown() {
      await removeKeys();
      redis.disconnect();
    },
  };
}

describeQueueContract('in-process on SQLite', inProcessEnv('sqlite'));

describe.skipIf(!tierAvailable('PostgreSQL store suites'))('on PostgreSQL', () => {
  describeQueueContract('in-process on PostgreSQL', inProcessEnv('postgres'));
});

describe.skipIf(!tierAvailable('Redis suites'))('on Redis', () => {
  describeQueueContract('BullMQ', bullmqEnv());
});

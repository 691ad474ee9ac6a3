/**
 * Figure 8: scale-out (issue #13). The deployment of docs/deploy.md on this one machine: an API
 * process (`serve` with QUEUE_URL: it runs no jobs) and one, then two, `worker` processes, each
 * with its own DATA_DIR, sharing PostgreSQL (a fresh schema, migrated once), an S3 bucket
 * (s3rver on loopback) and Redis (BullMQ and the signal bus, under this run's own prefix).
 * Creations per second with `c` synchronous creates in flight, against the embedded default
 * (one `serve` on SQLite and a folder) on the same machine, the same way; then the read paths
 * of the API on PostgreSQL against bare Fastify (the character lookup cache there is kept safe
 * by the signals). Needs TEST_DATABASE_URL and TEST_REDIS_URL (the test tiers' settings).
 * On a machine whose cores the workers share, two workers cannot do twice the work of one: the
 * figure says what the coordination costs and what a second process adds here, not on a fleet.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { type S3rverHandle, startS3rver } from '../test/support/s3rver.js';
import { measureReadPaths } from './read-paths.js';
import type { BenchContext } from './support/context.js';
import { type Figure, figure, type Section } from './support/figures.js';
import { createReady } from './support/http.js';
import { WINDOW } from './support/inputs.js';
import { BENCH_KEY, type ChildServer, runMigrate, startService, startWorker } from './support/service.js';
import { pooled, spread } from './support/stats.js';

const TITLE = '8. Scale-out: API + workers on PostgreSQL + S3 + Redis vs the embedded default';

export async function scale(ctx: BenchContext): Promise<Section> {
  const dbBase = process.env.TEST_DATABASE_URL;
  const redisUrl = process.env.TEST_REDIS_URL;
  if (!dbBase || !redisUrl) {
    ctx.log('  skipped: set TEST_DATABASE_URL and TEST_REDIS_URL');
    return { id: 'scale', title: TITLE, figures: [], details: { skipped: 'TEST_DATABASE_URL and TEST_REDIS_URL are not set' } };
  }
  const { cfg, origin } = ctx;
  const inFlight = cfg.quick ? 4 : 8;
  const batch = cfg.quick ? 4 : 12;
  const reps = Math.min(cfg.reps, 3);
  /** Creations per second of `reps` batches through `url`, after one warm-up creation. */
  const rate = async (label: string, url: string): Promise<number[]> => {
    await createReady(url, origin.url('short'), WINDOW);
    const out: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      await pooled(batch, inFlight, () => createReady(url, origin.url('short'), WINDOW));
      out.push(batch / ((performance.now() - t0) / 1000));
      ctx.log(`  ${label} rep ${i + 1}/${reps}: ${out[i]!.toFixed(2)} creations/s (${batch}, ${inFlight} in flight)`);
    }
    return out;
  };

  const embeddedService = await startService();
  let embedded: number[];
  try {
    embedded = await rate('embedded default', embeddedService.url);
  } finally {
    await embeddedService.stop();
  }

  const d = await openDeployment(dbBase, redisUrl);
  const figures: Figure[] = [];
  const details: Record<string, unknown> = { batch, inFlight, reps };
  try {
    await runMigrate(d.env);
    const api = await d.start(() => startService(d.env));
    await d.start(() => startWorker(d.env));
    const one = await rate('1 worker', api.url);
    await d.start(() => startWorker(d.env));
    const two = await rate('2 workers', api.url);
    const e = spread(embedded);
    figures.push(
      figure('embedded_per_s', 'embedded default (SQLite, folder, in-process jobs): creations/s', '/s', e),
      figure('one_worker_per_s', 'API + 1 worker (PostgreSQL, S3, Redis): creations/s', '/s', spread(one)),
      figure('two_workers_per_s', 'API + 2 workers: creations/s', '/s', spread(two)),
      figure('one_worker_vs_embedded', 'API + 1 worker / embedded default', 'x', spread(one.map((x) => x / e.median))),
      figure('two_workers_vs_one', 'API + 2 workers / API + 1 worker', 'x', spread(two.map((x, i) => x / one[i]!))),
    );
    details.creationsPerSec = { embedded, oneWorker: one, twoWorkers: two };
    ctx.log('  read paths of the API on PostgreSQL + S3');
    const reads = await measureReadPaths(ctx, api.url, 'pg_');
    figures.push(...reads.figures.map((f) => ({ ...f, label: `${f.label} (PostgreSQL + S3)` })));
    details.readPaths = reads.details;
  } finally {
    await d.close();
  }
  return { id: 'scale', title: TITLE, figures, details };
}

/** A fresh schema, bucket and Redis prefix, and the settings every process of the deployment shares. */
async function openDeployment(dbBase: string, redisUrl: string) {
  const schema = `bench_scale_${randomBytes(6).toString('hex')}`;
  const prefix = `sc-bench-${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: dbBase });
  await admin.connect();
  await admin.query(`create schema "${schema}"`);
  const s3: S3rverHandle = await startS3rver();
  const bucket = await s3.newBucket();
  const db = new URL(dbBase);
  db.searchParams.set('options', `-c search_path=${schema}`);
  const env = {
    DATABASE_URL: db.toString(),
    QUEUE_URL: redisUrl,
    QUEUE_PREFIX: prefix,
    STORAGE_URL: `s3://${bucket}/media`,
    S3_ENDPOINT: s3.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    SIGNING_SECRET: randomBytes(32).toString('hex'),
    API_KEYS: BENCH_KEY,
    ALLOW_PRIVATE_URLS: 'true',
  };
  const processes: ChildServer[] = [];
  return {
    env,
    async start<T extends ChildServer>(launch: () => Promise<T>): Promise<T> {
      const p = await launch();
      processes.push(p);
      return p;
    },
    async close() {
      await Promise.all(processes.map((p) => p.stop()));
      await s3.close();
      await admin.query(`drop schema if exists "${schema}" cascade`);
      await admin.end();
      const redis = new Redis(redisUrl);
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
      redis.disconnect();
    },
  };
}

import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFileServer } from '../support/file-server.js';
import { type S3rverHandle, startS3rver } from '../support/s3rver.js';
import { tierAvailable } from '../support/tiers.js';
import { makeVideo } from '../support/videos.js';
import {
  ALICE,
  BOB,
  bearer,
  ensureBuilt,
  killAll,
  removeDir,
  runCli,
  type ServerProcess,
  StopWaiting,
  startServer,
  tempDataDir,
  waitFor,
} from './support/server-process.js';
import { startTrickleOrigin, type TrickleOrigin } from './support/trickle-origin.js';

/**
 * issue #13 end to end, as docs/deploy.md lays it out: two API processes and two worker
 * processes, each with its own DATA_DIR as on separate machines, sharing PostgreSQL (a fresh
 * schema, migrated once by `sora-characters migrate`), an S3 bucket (s3rver on loopback), Redis
 * (BullMQ and the signal bus, under this run's own prefix) and one SIGNING_SECRET.
 */
const TIER = 'API and worker processes on PostgreSQL and Redis';

describe.skipIf(!tierAvailable(TIER))('e2e: two APIs and two workers on PostgreSQL + S3 + Redis', () => {
  const schema = `e2e_scale_${randomBytes(6).toString('hex')}`;
  const prefix = `sc-e2e-scale-${randomBytes(6).toString('hex')}`;
  let admin: pg.Client;
  let s3: S3rverHandle;
  let files: Awaited<ReturnType<typeof startFileServer>>;
  let origin: TrickleOrigin;
  let env: Record<string, string>;
  const dirs: string[] = [];
  const processes: ServerProcess[] = [];
  let api1: ServerProcess;
  let api2: ServerProcess;
  let workers: ServerProcess[];

  const start = async (command: 'serve' | 'worker') => {
    const dataDir = await tempDataDir();
    dirs.push(dataDir);
    const p = await startServer({ command, dataDir, env });
    processes.push(p);
    return p;
  };
  const outputs = () => processes.map((p) => p.output()).join('\n');
  const json = async (r: Response) => {
    const text = await r.text();
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`not JSON (${r.status}): ${text.slice(0, 500)}`);
    }
  };
  const createCharacter = async (api: ServerProcess, body: object, headers: Record<string, string> = {}) =>
    api.fetch('/sora/v1/characters', {
      method: 'POST',
      headers: { ...bearer(ALICE), 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  /** A path and query on the service from an absolute URL it signed (every API verifies every other's signature). */
  const local = (absolute: string) => new URL(absolute).pathname + new URL(absolute).search;

  beforeAll(async () => {
    const [video] = await Promise.all([makeVideo({ durationSec: 3, width: 320, height: 180 }), ensureBuilt()]);
    files = await startFileServer({ 'v.mp4': { path: video, type: 'video/mp4' } });
    // Downloads of a few seconds: the six jobs are still running when a worker is killed.
    const size = (await stat(video)).size;
    origin = await startTrickleOrigin({ 'slow.mp4': { path: video, type: 'video/mp4' } }, { chunk: Math.max(2048, Math.ceil(size / 30)), everyMs: 100 });
    s3 = await startS3rver();
    const bucket = await s3.newBucket();
    admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`create schema "${schema}"`);
    const db = new URL(process.env.TEST_DATABASE_URL!);
    db.searchParams.set('options', `-c search_path=${schema}`);
    env = {
      DATABASE_URL: db.toString(),
      QUEUE_URL: process.env.TEST_REDIS_URL!,
      QUEUE_PREFIX: prefix,
      STORAGE_URL: `s3://${bucket}/media`,
      S3_ENDPOINT: s3.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_ACCESS_KEY_ID: s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
      SIGNING_SECRET: randomBytes(32).toString('hex'),
      // A killed worker's jobs go to the other within seconds.
      JOB_LOCK_MS: '2000',
    };
    const migrated = await runCli(['migrate'], { ...env, DATA_DIR: await tempDataDir() });
    expect(migrated.code, migrated.stderr).toBe(0);
    [api1, api2, ...workers] = await Promise.all([start('serve'), start('serve'), start('worker'), start('worker')]);
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await killAll();
    await files?.close();
    await origin?.close();
    await s3?.close();
    if (admin) {
      await admin.query(`drop schema if exists "${schema}" cascade`);
      await admin.end();
    }
    if (process.env.TEST_REDIS_URL) {
      const redis = new Redis(process.env.TEST_REDIS_URL);
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
      redis.disconnect();
    }
    for (const d of dirs) await removeDir(d);
  });

  it('a character created through API 1 (made by a worker) is read, paged and served through API 2', async () => {
    const res = await createCharacter(api1, { url: files.url('v.mp4'), timestamps: '0,1', display_name: 'Scaled', visibility: 'public' });
    const made = await json(res);
    expect(res.status, `${JSON.stringify(made)}\n${outputs()}`).toBe(200);
    expect(made).toMatchObject({ status: 'ready', display_name: 'Scaled' });

    const got = await api2.fetch(`/sora/v1/characters/${made.id}`, { headers: bearer(ALICE) });
    expect(got.status).toBe(200);
    const view = await json(got);
    expect(view).toMatchObject({ id: made.id, username: made.username, status: 'ready' });
    const page = await api2.fetch(`/profile/${made.username}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Scaled');
    // API 2 signed it, API 1 serves it from the bucket, and the other way round.
    for (const [signed, server] of [
      [view.profile_picture_url, api1],
      [made.profile_picture_url, api2],
    ] as const) {
      const portrait = await server.fetch(local(signed));
      expect(portrait.status).toBe(200);
      expect(portrait.headers.get('content-type')).toBe('image/webp');
      expect((await portrait.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
  });

  it('a video task made on API 1 is rendered by a worker and downloaded through API 2', async () => {
    const res = await api1.fetch('/v1/videos', {
      method: 'POST',
      headers: { ...bearer(ALICE), 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'a lighthouse at dusk', seconds: '4', size: '720x1280' }),
    });
    const task = await json(res);
    expect(res.status, JSON.stringify(task)).toBe(200);
    expect(task).toMatchObject({ object: 'video', status: 'queued' });
    const done = await waitFor(
      `video ${task.id} completed`,
      async () => {
        const t = await json(await api2.fetch(`/v1/videos/${task.id}`, { headers: bearer(ALICE) }));
        if (t.status === 'failed') throw new StopWaiting(`${task.id} failed: ${JSON.stringify(t.error)}\n${outputs()}`);
        return t.status === 'completed' ? t : undefined;
      },
      180_000,
      250,
    );
    expect(done.progress).toBe(100);
    const mp4 = await api2.fetch(`/v1/videos/${task.id}/content`, { headers: bearer(ALICE) });
    expect(mp4.status).toBe(200);
    expect(mp4.headers.get('content-type')).toBe('video/mp4');
    const bytes = Buffer.from(await mp4.arrayBuffer());
    expect(bytes.subarray(4, 8).toString('latin1')).toBe('ftyp');
    const thumb = await api2.fetch(`/v1/videos/${task.id}/content?variant=thumbnail`, { headers: bearer(ALICE) });
    expect([thumb.status, thumb.headers.get('content-type')]).toEqual([200, 'image/webp']);
    await thumb.arrayBuffer();
  });

  it('kill -9 a worker while six character jobs run: every character ends ready', async () => {
    const before = origin.hits.get('slow.mp4') ?? 0;
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const api = i % 2 === 0 ? api1 : api2;
      const r = await createCharacter(api, { url: origin.url('slow.mp4'), timestamps: '0,1' }, { prefer: 'respond-async' });
      const body = await json(r);
      expect(r.status, JSON.stringify(body)).toBe(202);
      ids.push(body.id);
    }
    // Both workers hold jobs (two each: WORKER_CONCURRENCY 2) before one dies.
    await waitFor('four downloads in flight', async () => ((origin.hits.get('slow.mp4') ?? 0) >= before + 4 ? true : undefined), 60_000, 50);
    const [victim, survivor] = workers;
    const killed = await victim!.kill();
    expect(killed.signal).toBe('SIGKILL');

    for (const id of ids) {
      const c = await waitFor(
        `character ${id} ready`,
        async () => {
          const x = await json(await api2.fetch(`/sora/v1/characters/${id}`, { headers: bearer(ALICE) }));
          if (x.status === 'failed') throw new StopWaiting(`${id} failed: ${JSON.stringify(x.error)}\n${survivor!.output()}`);
          return x.status === 'ready' ? x : undefined;
        },
        180_000,
        250,
      );
      expect(c).toMatchObject({ id, status: 'ready', error: null });
    }
    // Each one exactly once in the list, through either API.
    const list = await json(await api1.fetch('/sora/v1/characters?limit=100', { headers: bearer(ALICE) }));
    for (const id of ids) expect(list.data.filter((x: { id: string }) => x.id === id)).toHaveLength(1);
  });

  it('a delete or a visibility change through one API is seen by the other within a second', async () => {
    const made = await json(await createCharacter(api1, { url: files.url('v.mp4'), timestamps: '0,1', visibility: 'public' }));
    expect(made.status).toBe('ready');
    const readOnApi1 = async () => ({
      alice: (await api1.fetch(`/sora/v1/characters/${made.id}`, { headers: bearer(ALICE) })).status,
      bob: (await api1.fetch(`/sora/v1/characters/${made.username}`, { headers: bearer(BOB) })).status,
      page: (await api1.fetch(`/profile/${made.username}`)).status,
      portrait: (await api1.fetch(local(made.profile_picture_url))).status,
    });
    // API 1 has answered each twice: the second time from its caches.
    expect(await readOnApi1()).toEqual({ alice: 200, bob: 200, page: 200, portrait: 200 });
    expect(await readOnApi1()).toEqual({ alice: 200, bob: 200, page: 200, portrait: 200 });

    const patched = await api2.fetch(`/sora/v1/characters/${made.id}`, {
      method: 'PATCH',
      headers: { ...bearer(ALICE), 'content-type': 'application/json' },
      body: JSON.stringify({ visibility: 'private' }),
    });
    expect(patched.status).toBe(200);
    await seenWithin(1_000, async () => {
      const seen = await readOnApi1();
      return (seen.bob === 404 && seen.alice === 200) || seen;
    });

    const deleted = await api2.fetch(`/sora/v1/characters/${made.id}`, { method: 'DELETE', headers: bearer(ALICE) });
    expect(deleted.status).toBe(200);
    await seenWithin(1_000, async () => {
      const seen = await readOnApi1();
      return (seen.alice === 404 && seen.page === 404 && seen.portrait === 404) || seen;
    });
  });
});

/** Polls `check` until it answers true; fails with its last answer when that took longer than `ms`. */
async function seenWithin(ms: number, check: () => Promise<unknown>): Promise<void> {
  const t0 = performance.now();
  for (;;) {
    const last = await check();
    if (last === true) return;
    if (performance.now() - t0 > ms) throw new Error(`not seen within ${ms} ms: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

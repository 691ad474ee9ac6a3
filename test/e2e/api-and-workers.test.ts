import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFileServer } from '../support/file-server.js';
import { tierAvailable } from '../support/tiers.js';
import { makeVideo } from '../support/videos.js';
import {
  ALICE,
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
 * issue #13: the API and the jobs in separate processes, sharing PostgreSQL (a fresh schema),
 * Redis (BullMQ, its own key prefix, removed after) and a media folder. Each process has its
 * own DATA_DIR, as on separate machines. A worker is SIGKILLed mid-job and another finishes
 * the job; a worker given SIGTERM finishes what it holds and exits 0; so does the API.
 */
const TIER = 'API and worker processes on PostgreSQL and Redis';

const metric = (text: string, name: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').pop()) : Number.NaN;
};

describe.skipIf(!tierAvailable(TIER))('e2e: an API process and worker processes on PostgreSQL + Redis + a shared media folder', () => {
  const schema = `e2e_workers_${randomBytes(6).toString('hex')}`;
  const prefix = `sc-e2e-${randomBytes(6).toString('hex')}`;
  let admin: pg.Client;
  let redis: Redis;
  let media: string;
  const dirs: string[] = [];
  let files: Awaited<ReturnType<typeof startFileServer>>;
  let origin: TrickleOrigin;
  let env: Record<string, string>;
  let api: ServerProcess;
  const processes: ServerProcess[] = [];

  const start = async (command: 'serve' | 'worker', over: Record<string, string> = {}) => {
    const dataDir = await tempDataDir();
    dirs.push(dataDir);
    const p = await startServer({ command, dataDir, env: { ...env, ...over } });
    processes.push(p);
    return p;
  };

  const createAsync = async (url: string) => {
    const res = await api.fetch('/sora/v1/characters', {
      method: 'POST',
      headers: { ...bearer(ALICE), 'content-type': 'application/json', prefer: 'respond-async' },
      body: JSON.stringify({ url, timestamps: '0,1' }),
    });
    const text = await res.text();
    expect(res.status, `${text}\n${api.output()}`).toBe(202);
    return JSON.parse(text).id as string;
  };

  const ready = (id: string, others: ServerProcess[]) =>
    waitFor(
      `character ${id} ready`,
      async () => {
        const r = await api.fetch(`/sora/v1/characters/${id}`, { headers: bearer(ALICE) });
        const c = await r.json();
        if (c.status === 'failed') throw new StopWaiting(`${id} failed: ${JSON.stringify(c.error)}\n${others.map((o) => o.output()).join('\n')}`);
        return c.status === 'ready' ? c : undefined;
      },
      120_000,
      250,
    );

  beforeAll(async () => {
    const [video] = await Promise.all([makeVideo({ durationSec: 3, width: 320, height: 180 }), ensureBuilt()]);
    files = await startFileServer({ 'v.mp4': { path: video, type: 'video/mp4' } });
    // A download of a few seconds: long enough to kill or stop a worker in the middle of it.
    const size = (await stat(video)).size;
    origin = await startTrickleOrigin({ 'slow.mp4': { path: video, type: 'video/mp4' } }, { chunk: Math.max(2048, Math.ceil(size / 40)), everyMs: 100 });
    admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`create schema "${schema}"`);
    redis = new Redis(process.env.TEST_REDIS_URL!);
    media = await mkdtemp(join(tmpdir(), 'sc-e2e-media-'));
    const db = new URL(process.env.TEST_DATABASE_URL!);
    db.searchParams.set('options', `-c search_path=${schema}`);
    env = {
      DATABASE_URL: db.toString(),
      QUEUE_URL: process.env.TEST_REDIS_URL!,
      QUEUE_PREFIX: prefix,
      STORAGE_URL: `file:${media}`,
      SIGNING_SECRET: 'e2e-shared-signing-secret-of-all-processes',
      // A killed worker's job goes to another within seconds.
      JOB_LOCK_MS: '2000',
      JOB_MAX_ATTEMPTS: '3',
      SHUTDOWN_GRACE_MS: '60000',
    };
    api = await start('serve');
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await killAll();
    await files?.close();
    await origin?.close();
    if (admin) {
      await admin.query(`drop schema if exists "${schema}" cascade`);
      await admin.end();
    }
    if (redis) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
      redis.disconnect();
    }
    for (const d of [...dirs, media]) await removeDir(d);
  });

  it('a synchronous create through the API is made by a worker process and answered when it finishes', async () => {
    const worker = await start('worker');
    const res = await api.fetch('/sora/v1/characters', {
      method: 'POST',
      headers: { ...bearer(ALICE), 'content-type': 'application/json' },
      body: JSON.stringify({ url: files.url('v.mp4'), timestamps: '0,1' }),
    });
    const body = await res.json();
    expect(res.status, `${JSON.stringify(body)}\n${api.output()}\n${worker.output()}`).toBe(200);
    expect(body).toMatchObject({ object: 'character', status: 'ready' });
    // The API serves the portrait the worker wrote into the shared folder.
    const portrait = await fetch(body.profile_picture_url);
    expect(portrait.status).toBe(200);
    expect(portrait.headers.get('content-type')).toBe('image/webp');
    await portrait.arrayBuffer();

    // The worker made it, not the API: the counters say so.
    const workerMetrics = await (await worker.fetch('/metrics')).text();
    const apiMetrics = await (await api.fetch('/metrics')).text();
    expect(metric(workerMetrics, 'sora_characters_characters_made_total')).toBe(1);
    expect(metric(apiMetrics, 'sora_characters_characters_made_total')).toBe(0);
    expect(workerMetrics).toContain('sora_characters_job_queue_latency_seconds_count{type="character.create"} 1');
    // Both report each dependency by name; the worker has no API route.
    for (const p of [api, worker]) {
      expect(await (await p.fetch('/readyz')).json()).toEqual({ status: 'ok', checks: { store: 'ok', storage: 'ok', queue: 'ok' } });
    }
    expect((await worker.fetch('/sora/v1/characters', { headers: bearer(ALICE) })).status).toBe(404);
  });

  it('a worker SIGKILLed mid-job: another worker runs the job again and there is one result', async () => {
    const running = processes.filter((p) => p.child.exitCode === null && p !== api);
    const victim = running[0];
    const before = origin.hits.get('slow.mp4') ?? 0;
    const id = await createAsync(origin.url('slow.mp4'));
    await waitFor('the worker to start the download', async () => ((origin.hits.get('slow.mp4') ?? 0) > before ? true : undefined), 30_000, 50);
    const killed = await victim.kill();
    expect(killed.signal).toBe('SIGKILL');
    expect((await (await api.fetch(`/sora/v1/characters/${id}`, { headers: bearer(ALICE) })).json()).status).toBe('processing');

    const rescuer = await start('worker');
    const c = await ready(id, [rescuer]);
    expect(c).toMatchObject({ id, status: 'ready', error: null });
    // Fetched again by the second worker after the kill.
    expect(origin.hits.get('slow.mp4')).toBeGreaterThanOrEqual(before + 2);
    // One result: the character's folder holds its clip and portrait, once.
    expect((await readdir(join(media, 'blobs', 'characters', id))).sort()).toEqual(['clip.mp4', 'portrait.webp']);
    const list = await (await api.fetch('/sora/v1/characters?limit=100', { headers: bearer(ALICE) })).json();
    expect(list.data.filter((x: { id: string }) => x.id === id)).toHaveLength(1);
  });

  it('SIGTERM: a worker finishes the job it holds, then exits 0', async () => {
    const worker = processes.filter((p) => p.child.exitCode === null && p.child.signalCode === null && p !== api).pop()!;
    const before = origin.hits.get('slow.mp4') ?? 0;
    const id = await createAsync(origin.url('slow.mp4'));
    await waitFor('the worker to start the download', async () => ((origin.hits.get('slow.mp4') ?? 0) > before ? true : undefined), 30_000, 50);
    const stopped = await worker.stop(90_000);
    expect(stopped.code, worker.output()).toBe(0);
    // It finished the job before it exited: nobody else was left to make it.
    const c = await (await api.fetch(`/sora/v1/characters/${id}`, { headers: bearer(ALICE) })).json();
    expect(c).toMatchObject({ id, status: 'ready' });
    expect(origin.hits.get('slow.mp4')).toBe(before + 1);
  });

  it('a job whose workers keep dying runs out of attempts: the exhaustion rule settles the character failed', async () => {
    const once = { JOB_MAX_ATTEMPTS: '1' };
    const first = await start('worker', once);
    const before = origin.hits.get('slow.mp4') ?? 0;
    const id = await createAsync(origin.url('slow.mp4'));
    await waitFor('the worker to start the download', async () => ((origin.hits.get('slow.mp4') ?? 0) > before ? true : undefined), 30_000, 50);
    await first.kill();
    const second = await start('worker', once);
    const c = await waitFor(
      `character ${id} settled`,
      async () => {
        const got = await (await api.fetch(`/sora/v1/characters/${id}`, { headers: bearer(ALICE) })).json();
        return got.status === 'processing' ? undefined : got;
      },
      60_000,
      250,
    );
    expect(c, second.output()).toMatchObject({ id, status: 'failed', error: { code: 'internal_error', message: 'processing was interrupted too many times' } });
    // Settled without a second run.
    expect(origin.hits.get('slow.mp4')).toBe(before + 1);
    expect(await second.stop()).toMatchObject({ code: 0 });
  });

  it('SIGTERM past the grace period: the worker hands its job back, another worker makes it, and it exits 0', async () => {
    const holder = await start('worker', { SHUTDOWN_GRACE_MS: '300' });
    const before = origin.hits.get('slow.mp4') ?? 0;
    const id = await createAsync(origin.url('slow.mp4'));
    await waitFor('the worker to start the download', async () => ((origin.hits.get('slow.mp4') ?? 0) > before ? true : undefined), 30_000, 50);
    const other = await start('worker');
    const stopped = await holder.stop(30_000);
    expect(stopped.code, holder.output()).toBe(0);
    const c = await ready(id, [other]);
    expect(c).toMatchObject({ id, status: 'ready', error: null });
    // The download was cut by the hand-back and made again by the other worker.
    expect(origin.hits.get('slow.mp4')).toBe(before + 2);
    expect(await other.stop()).toMatchObject({ code: 0 });
  });

  it('SIGTERM: the API process closes and exits 0', async () => {
    const stopped = await api.stop(30_000);
    expect(stopped.code, api.output()).toBe(0);
  });
});

describe('e2e: the worker command without QUEUE_URL', () => {
  it('refuses to start, naming QUEUE_URL (serve runs the jobs then)', async () => {
    await ensureBuilt();
    const r = await runCli(['worker'], { DATA_DIR: join(tmpdir(), `sc-no-queue-${randomBytes(4).toString('hex')}`) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('QUEUE_URL=redis://');
  });
});

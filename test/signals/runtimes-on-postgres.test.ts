import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createHttpApp, createRuntime, type Runtime } from '../../src/wiring.js';
import { startFileServer } from '../support/file-server.js';
import { tierAvailable } from '../support/tiers.js';
import { makeVideo } from '../support/videos.js';

const base = process.env.TEST_DATABASE_URL;
const redis = process.env.TEST_REDIS_URL;
const ALICE = { authorization: 'Bearer sk-alice-signals-key' };
const BOB = { authorization: 'Bearer sk-bob-signals-key' };

interface Node {
  rt: Runtime;
  app: FastifyInstance;
  dataDir: string;
}

/**
 * Processes of one deployment, as runtimes in this test process: one PostgreSQL schema, one media
 * folder, one signing secret, one signal bus (PostgreSQL LISTEN/NOTIFY by default, or Redis).
 * What they know of each other comes only through the database and the bus.
 */
for (const bus of ['postgres', 'redis'] as const) {
  const needs = bus === 'redis' ? tierAvailable('PostgreSQL store suites') && tierAvailable('Redis suites') : tierAvailable('PostgreSQL store suites');
  describe.skipIf(!needs)(`runtimes sharing PostgreSQL, signals on ${bus}`, () => {
    const schema = `signals_rt_${randomBytes(6).toString('hex')}`;
    const nodes: Node[] = [];
    let env: Record<string, string>;
    let files: Awaited<ReturnType<typeof startFileServer>>;
    let media: string;

    const start = async (role: 'api' | 'worker' | 'both', over: Record<string, string> = {}): Promise<Node> => {
      const dataDir = await mkdtemp(join(tmpdir(), 'sc-signals-rt-'));
      const config = loadConfig({ ...env, ...over, DATA_DIR: dataDir });
      const rt = await createRuntime(config, { logger: pino({ level: 'silent' }) });
      const app = await createHttpApp(rt, { logger: false });
      if (role !== 'api') await rt.queue.start(rt.handlers);
      const node = { rt, app, dataDir };
      nodes.push(node);
      return node;
    };

    beforeAll(async () => {
      const admin = new pg.Client({ connectionString: base });
      await admin.connect();
      await admin.query(`create schema ${schema}`);
      await admin.end();
      const url = new URL(base!);
      url.searchParams.set('options', `-c search_path=${schema}`);
      media = await mkdtemp(join(tmpdir(), 'sc-signals-media-'));
      files = await startFileServer({ 'clip.mp4': { path: await makeVideo({ durationSec: 4, width: 320, height: 180 }), type: 'video/mp4' } });
      env = {
        DATABASE_URL: url.toString(),
        STORAGE_URL: `file:${media}`,
        SIGNING_SECRET: randomBytes(32).toString('hex'),
        SIGNALS_PREFIX: `sc_test_${randomBytes(6).toString('hex')}_`,
        ...(bus === 'redis' ? { SIGNALS_URL: redis! } : {}),
        API_KEYS: 'sk-alice-signals-key,sk-bob-signals-key',
        ALLOW_PRIVATE_URLS: 'true',
        PUBLIC_URL: 'http://sc.test',
        LOG_LEVEL: 'silent',
      };
    });
    afterAll(async () => {
      for (const n of nodes) {
        await n.app.close();
        await n.rt.close();
        await rm(n.dataDir, { recursive: true, force: true });
      }
      await files?.close();
      if (media) await rm(media, { recursive: true, force: true });
      const admin = new pg.Client({ connectionString: base });
      await admin.connect();
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    });

    it('a synchronous create on an API that runs no jobs answers as soon as a worker elsewhere settles it', async () => {
      const api = await start('api');
      const worker = await start('worker');
      expect(api.rt.signals.live()).toBe(true);
      // The moment the worker tells the settle (before any process, this one included, hears it).
      const settledAt = new Map<string, number>();
      const publish = worker.rt.signals.publish.bind(worker.rt.signals);
      worker.rt.signals.publish = (type, payload) => {
        if (type === 'character.settled') settledAt.set((payload as { id: string }).id, performance.now());
        publish(type, payload);
      };
      for (let i = 0; i < 2; i++) {
        const r = await api.app.inject({
          method: 'POST',
          url: '/sora/v1/characters',
          headers: ALICE,
          payload: { url: files.url('clip.mp4'), timestamps: '1,3' },
        });
        const answeredAt = performance.now();
        expect(r.statusCode, r.body).toBe(200);
        const id = r.json().id as string;
        expect(r.json().status).toBe('ready');
        const settled = settledAt.get(id);
        expect(settled, 'the worker settled it before the API answered').toBeDefined();
        // The wait ends on the message, not on a poll: far less than the old one-second poll, and
        // the safety poll is 5 s. Generous against a loaded machine.
        expect(answeredAt - settled!).toBeLessThan(500);
      }
    });

    it('a delete or a visibility change through one API is seen by another within a second: character, page, portrait', async () => {
      const a = await start('both');
      const b = await start('api');
      const made = (
        await a.app.inject({
          method: 'POST',
          url: '/sora/v1/characters',
          headers: ALICE,
          payload: { url: files.url('clip.mp4'), timestamps: '1,3', visibility: 'public' },
        })
      ).json();
      expect(made.status).toBe('ready');
      const portraitPath = () => new URL(made.profile_picture_url).pathname + new URL(made.profile_picture_url).search;
      const readOnB = async () => ({
        alice: (await b.app.inject({ url: `/sora/v1/characters/${made.id}`, headers: ALICE })).statusCode,
        bob: (await b.app.inject({ url: `/sora/v1/characters/${made.username}`, headers: BOB })).statusCode,
        page: await b.app.inject({ url: `/profile/${made.username}` }),
        portrait: (await b.app.inject({ url: portraitPath() })).statusCode,
      });
      // B reads everything twice: the second time from its caches.
      for (let i = 0; i < 2; i++) {
        const seen = await readOnB();
        expect([seen.alice, seen.bob, seen.page.statusCode, seen.portrait]).toEqual([200, 200, 200, 200]);
        expect(seen.page.body).not.toContain('Private character');
      }

      // Private through A: Bob loses it on B, and B's page says so.
      const patched = await a.app.inject({ method: 'PATCH', url: `/sora/v1/characters/${made.id}`, headers: ALICE, payload: { visibility: 'private' } });
      expect(patched.statusCode).toBe(200);
      await seenWithin(1_000, async () => {
        const seen = await readOnB();
        const pagePrivate = seen.page.body.includes('Private character') && seen.page.headers['x-robots-tag'] === 'noindex, nofollow';
        const ok = seen.bob === 404 && seen.page.statusCode === 200 && pagePrivate && seen.alice === 200;
        return ok || { ...seen, page: seen.page.statusCode, pagePrivate };
      });

      // Deleted through A: gone on B, the character, its page and its signed portrait.
      const del = await a.app.inject({ method: 'DELETE', url: `/sora/v1/characters/${made.id}`, headers: ALICE });
      expect(del.statusCode).toBe(200);
      await seenWithin(1_000, async () => {
        const seen = await readOnB();
        return (seen.alice === 404 && seen.page.statusCode === 404 && seen.portrait === 404) || { ...seen, page: seen.page.statusCode };
      });
    });

    it.skipIf(bus !== 'postgres')('a delete made while another API lost its listening connection is still seen there within a second', async () => {
      const a = await start('both');
      // B's sessions carry a name of their own, so the test can end B's LISTEN session alone.
      const listenerName = `sc-test-b-${randomBytes(4).toString('hex')}`;
      const bUrl = new URL(env.DATABASE_URL!);
      bUrl.searchParams.set('application_name', listenerName);
      const b = await start('api', { DATABASE_URL: bUrl.toString() });
      const made = (
        await a.app.inject({ method: 'POST', url: '/sora/v1/characters', headers: ALICE, payload: { url: files.url('clip.mp4'), timestamps: '1,3' } })
      ).json();
      expect(made.status).toBe('ready');
      for (let i = 0; i < 2; i++) expect((await b.app.inject({ url: `/sora/v1/characters/${made.id}`, headers: ALICE })).statusCode).toBe(200);

      const admin = new pg.Client({ connectionString: base });
      await admin.connect();
      try {
        const ended = await admin.query(
          "select pg_terminate_backend(pid) as ended from pg_stat_activity where application_name = $1 and query ilike 'LISTEN%'",
          [listenerName],
        );
        expect(ended.rows).toEqual([{ ended: true }]);
      } finally {
        await admin.end();
      }
      // The delete's message is sent while B does not listen: B never hears it.
      const del = await a.app.inject({ method: 'DELETE', url: `/sora/v1/characters/${made.id}`, headers: ALICE });
      expect(del.statusCode).toBe(200);
      await seenWithin(1_000, async () => {
        const status = (await b.app.inject({ url: `/sora/v1/characters/${made.id}`, headers: ALICE })).statusCode;
        return status === 404 || { status, live: b.rt.signals.live() };
      });
      await vi.waitFor(() => expect(b.rt.signals.live()).toBe(true), { timeout: 10_000 });
    });
  });
}

/** Polls `check` until true; fails when it took longer than `ms` (counted from the call: the change was made just before). */
async function seenWithin(ms: number, check: () => Promise<unknown>): Promise<void> {
  const t0 = performance.now();
  for (;;) {
    const last = await check();
    if (last === true) return;
    if (performance.now() - t0 > ms) throw new Error(`not seen within ${ms} ms: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

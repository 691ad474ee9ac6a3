import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFileServer } from '../support/file-server.js';
import { freshPostgresSchema } from '../support/postgres-schema.js';
import { tierAvailable } from '../support/tiers.js';
import { makeVideo } from '../support/videos.js';
import { ALICE, bearer, killAll, removeDir, type ServerProcess, startServer } from './support/server-process.js';

const base = process.env.TEST_DATABASE_URL;

/**
 * PostgreSQL as the running service's database: two API processes (each with its in-process
 * worker) on one database, one media folder and one signing secret; they tell each other what
 * changed over the database (LISTEN/NOTIFY), the default signal bus without Redis. The database enforces
 * uniqueness, so racing requests through the two never make duplicates.
 */
describe.skipIf(!tierAvailable('PostgreSQL store suites'))('e2e: two API processes on one PostgreSQL', () => {
  let db: Awaited<ReturnType<typeof freshPostgresSchema>> | undefined;
  let a: ServerProcess;
  let b: ServerProcess;
  let files: Awaited<ReturnType<typeof startFileServer>>;
  let media: string;

  beforeAll(async () => {
    db = await freshPostgresSchema(base!, 'e2e_two_apis');
    media = await mkdtemp(join(tmpdir(), 'sc-e2e-shared-media-'));
    files = await startFileServer({ 'clip.mp4': { path: await makeVideo({ durationSec: 4, width: 320, height: 180 }), type: 'video/mp4' } });
    const env = { DATABASE_URL: db.url, STORAGE_URL: `file:${media}`, SIGNING_SECRET: randomBytes(32).toString('hex') };
    [a, b] = await Promise.all([startServer({ env }), startServer({ env })]);
  });
  afterAll(async () => {
    await killAll();
    await files?.close();
    await removeDir(media);
    await db?.drop();
  });

  const create = (server: ServerProcess, body: object, headers: Record<string, string> = {}) =>
    server.fetch('/sora/v1/characters', {
      method: 'POST',
      headers: { ...bearer(ALICE), 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('one Idempotency-Key sent to both APIs at once gives one character', async () => {
    const body = { url: files.url('clip.mp4'), timestamps: '1,3' };
    const headers = { 'idempotency-key': `race-${randomBytes(4).toString('hex')}` };
    const [ra, rb] = await Promise.all([create(a, body, headers), create(b, body, headers)]);
    const [ja, jb] = [await ra.json(), await rb.json()];
    expect([ra.status, rb.status], `${JSON.stringify(ja)}\n${JSON.stringify(jb)}\n${a.output()}\n${b.output()}`).toEqual([200, 200]);
    expect(ja.id).toBe(jb.id);
    const list = await (await b.fetch('/sora/v1/characters?limit=100', { headers: bearer(ALICE) })).json();
    expect(list.data.filter((c: { id: string }) => c.id === ja.id)).toHaveLength(1);
    expect(list.data).toHaveLength(1);
  });

  it('one requested username sent to both at once gives one 200 and one 409 username_taken', async () => {
    const body = { url: files.url('clip.mp4'), timestamps: '1,3', username: `racer_${randomBytes(3).toString('hex')}` };
    const answers = await Promise.all([create(a, body), create(b, body)]);
    const codes = await Promise.all(answers.map(async (r) => [r.status, (await r.json()).error?.code ?? null]));
    expect(codes.sort()).toEqual([
      [200, null],
      [409, 'username_taken'],
    ]);
  });

  it('a character made through one API is read, paged and served through the other', async () => {
    const made = await (await create(a, { url: files.url('clip.mp4'), timestamps: '1,3', display_name: 'Shared' })).json();
    expect(made.status).toBe('ready');
    const got = await b.fetch(`/sora/v1/characters/${made.id}`, { headers: bearer(ALICE) });
    expect(got.status).toBe(200);
    const view = await got.json();
    expect(view).toMatchObject({ id: made.id, display_name: 'Shared', status: 'ready' });
    // B signs with the shared secret; A verifies it, and serves the bytes from the shared folder.
    const portrait = await a.fetch(new URL(view.profile_picture_url).pathname + new URL(view.profile_picture_url).search);
    expect(portrait.status).toBe(200);
    expect(portrait.headers.get('content-type')).toBe('image/webp');
    await portrait.body?.cancel();
    const del = await b.fetch(`/sora/v1/characters/${made.id}`, { method: 'DELETE', headers: bearer(ALICE) });
    expect(del.status).toBe(200);
    // A keeps its lookups in memory; B's delete reaches it through the signal bus (PostgreSQL
    // LISTEN/NOTIFY here) within a second (issue #13).
    const t0 = performance.now();
    for (;;) {
      const status = (await a.fetch(`/sora/v1/characters/${made.id}`, { headers: bearer(ALICE) })).status;
      if (status === 404) break;
      expect(performance.now() - t0, `still ${status}`).toBeLessThan(1_000);
      await new Promise((r) => setTimeout(r, 20));
    }
  });
});

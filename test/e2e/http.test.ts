import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFileServer } from '../support/file-server.js';
import {
  ALICE,
  BOB,
  bearer,
  ensureBuilt,
  freePort,
  killAll,
  removeDir,
  runCli,
  type ServerProcess,
  startServer,
  tempDataDir,
} from './support/server-process.js';
import { faceVideo } from './support/sources.js';

/** The seed's flow over real HTTP against `node dist/main.js serve`. */
describe('e2e: the real server over HTTP', () => {
  let server: ServerProcess;
  let files: Awaited<ReturnType<typeof startFileServer>>;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sc-e2e-http-'));
    const [face] = await Promise.all([faceVideo(dir), ensureBuilt()]);
    files = await startFileServer({ 'face.mp4': { path: face, type: 'video/mp4' } });
    server = await startServer();
  });
  afterAll(async () => {
    await server?.stop();
    await killAll();
    await files?.close();
    await removeDir(server?.dataDir);
    await removeDir(dir);
  });

  const json = { 'content-type': 'application/json' };

  it('creates, serves, lists and deletes a character in the seed shape', async () => {
    // The seed's exact request: {url, timestamps: "1,3"}; the face is on screen through the window.
    const res = await server.fetch('/sora/v1/characters', {
      method: 'POST',
      headers: { ...bearer(ALICE), ...json },
      body: JSON.stringify({ url: files.url('face.mp4'), timestamps: '1,3' }),
    });
    const text = await res.text();
    expect(res.status, `${text}\n${server.output()}`).toBe(200);
    const c = JSON.parse(text);
    expect(c.id).toMatch(/^ch_[0-9a-f]{32}$/);
    expect(c.username).toMatch(/^[a-z]{9}\.[a-z0-9_]{3,30}$/);
    expect(c.permalink).toBe(`${server.url}/profile/${c.username}`);
    expect(c.profile_picture_url).toMatch(new RegExp(`^${server.url}/files/.+\\?exp=\\d+&sig=`));
    expect(c).toMatchObject({ object: 'character', status: 'ready', error: null });
    expect(files.hits).toContain('face.mp4');

    // The portrait: a 512x512 WebP.
    const portrait = await fetch(c.profile_picture_url);
    expect(portrait.status).toBe(200);
    expect(portrait.headers.get('content-type')).toBe('image/webp');
    const meta = await sharp(Buffer.from(await portrait.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 512, 512]);

    // The clip, by range.
    const ranged = await fetch(c.clip_url, { headers: { range: 'bytes=0-99' } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-type')).toBe('video/mp4');
    expect(ranged.headers.get('content-range')).toMatch(/^bytes 0-99\/\d+$/);
    expect((await ranged.arrayBuffer()).byteLength).toBe(100);
    const whole = Number(ranged.headers.get('content-range')!.split('/')[1]);
    expect(whole).toBeGreaterThan(1000);

    // A tampered signature is refused.
    const forged = await fetch(c.clip_url.replace(/sig=([0-9A-Za-z_-])/, (_m: string, ch: string) => `sig=${ch === 'A' ? 'B' : 'A'}`));
    expect(forged.status).toBe(403);
    await forged.body?.cancel();

    // The permalink: an HTML page naming @username, with no credentials.
    const page = await fetch(c.permalink);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain(`@${c.username}`);

    // GET by id and by username.
    const byId = await server.fetch(`/sora/v1/characters/${c.id}`, { headers: bearer(ALICE) });
    expect(byId.status).toBe(200);
    expect(await byId.json()).toMatchObject({ id: c.id, username: c.username, status: 'ready' });
    const byName = await server.fetch(`/sora/v1/characters/${c.username}`, { headers: bearer(ALICE) });
    expect(byName.status).toBe(200);
    expect((await byName.json()).id).toBe(c.id);

    // The list holds it; another key's list does not, and the other key cannot read it (private).
    const list = await server.fetch('/sora/v1/characters?limit=10', { headers: bearer(ALICE) });
    expect(list.status).toBe(200);
    const l = await list.json();
    expect(l).toMatchObject({ object: 'list', first_id: c.id, has_more: false });
    expect(l.data.map((x: { id: string }) => x.id)).toEqual([c.id]);
    const bobList = await (await server.fetch('/sora/v1/characters', { headers: bearer(BOB) })).json();
    expect(bobList.data).toEqual([]);
    expect((await server.fetch(`/sora/v1/characters/${c.id}`, { headers: bearer(BOB) })).status).toBe(404);

    // No key, a wrong key.
    const anon = await server.fetch('/sora/v1/characters');
    expect(anon.status).toBe(401);
    expect((await anon.json()).error.code).toBe('invalid_api_key');
    expect((await server.fetch('/sora/v1/characters', { headers: bearer('sk-nope') })).status).toBe(401);

    // Delete: gone, its page 404s, its files are gone.
    const del = await server.fetch(`/sora/v1/characters/${c.id}`, { method: 'DELETE', headers: bearer(ALICE) });
    expect(del.status).toBe(200);
    expect(await del.json()).toEqual({ id: c.id, object: 'character.deleted', deleted: true });
    expect((await server.fetch(`/sora/v1/characters/${c.id}`, { headers: bearer(ALICE) })).status).toBe(404);
    expect((await fetch(c.permalink)).status).toBe(404);
    expect((await fetch(c.profile_picture_url)).status).toBe(404);
    const after = await (await server.fetch('/sora/v1/characters', { headers: bearer(ALICE) })).json();
    expect(after.data).toEqual([]);
  });

  it('answers a bad request with the OpenAI error envelope', async () => {
    const res = await server.fetch('/sora/v1/characters', {
      method: 'POST',
      headers: { ...bearer(ALICE), ...json },
      body: JSON.stringify({ url: files.url('face.mp4'), timestamps: '3,1' }),
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toMatchObject({ type: 'invalid_request_error', param: 'timestamps', code: 'invalid_timestamps' });
  });

  it('answers /readyz and /openapi.json', async () => {
    const ready = await server.fetch('/readyz');
    expect(ready.status).toBe(200);
    expect((await ready.json()).status).toBe('ok');
    const doc = await server.fetch('/openapi.json');
    expect(doc.status).toBe(200);
    expect((await doc.json()).paths).toHaveProperty(['/sora/v1/characters']);
  });

  it('stops on SIGTERM with exit code 0', async () => {
    const s = await startServer();
    try {
      const r = await s.stop();
      expect(r.code, s.output()).toBe(0);
      await expect(fetch(`${s.url}/healthz`)).rejects.toThrow();
    } finally {
      await removeDir(s.dataDir);
    }
  });

  it('refuses to boot on a wrong setting, with one line naming it', async () => {
    const dataDir = await tempDataDir();
    try {
      const r = await runCli(['serve'], { PORT: 'abc', DATA_DIR: dataDir, LOG_LEVEL: 'warn' }, 30_000);
      expect(r.signal, r.stderr).toBeNull();
      expect(r.code, r.stderr).not.toBe(0);
      const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/\bPORT\b/);
      expect(lines[0]).toContain('abc');
      expect(r.stdout).toBe('');
    } finally {
      await removeDir(dataDir);
    }
  });

  it('refuses to boot on another wrong setting (LOG_LEVEL)', async () => {
    const port = await freePort();
    const r = await runCli(['serve'], { PORT: String(port), LOG_LEVEL: 'loud' }, 30_000);
    expect(r.code, r.stderr).not.toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/\bLOG_LEVEL\b/);
  });
});

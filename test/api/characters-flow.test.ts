import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHumanFaceDetector } from '../../src/media/faces/human-detector.js';
import { makeFaceVideo } from '../support/faces.js';
import { startFileServer } from '../support/file-server.js';
import { dataUrlOf, type Harness, startHarness } from '../support/harness.js';
import { makeHtml, makeVideo } from '../support/videos.js';

/** The characters API end to end through app.inject, with the real pipeline on generated videos. */
describe('characters end to end', () => {
  let h: Harness;
  let files: Awaited<ReturnType<typeof startFileServer>>;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sc-flow-'));
    // A 6 s video whose face is on screen only between 2 s and 4 s.
    const face = await makeFaceVideo(dir, 'face', { placement: { left: 380, top: 60, width: 180 }, faceFrom: 2, faceTo: 4, durationSec: 6 });
    const plain = await makeVideo({ durationSec: 4, width: 320, height: 180 });
    files = await startFileServer({
      'face.mp4': { path: face, type: 'video/mp4' },
      'plain.mp4': { path: plain, type: 'video/mp4' },
      'page.html': { path: await makeHtml(), type: 'text/html' },
    });
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
    await files?.close();
  });

  const post = (body: object, headers: Record<string, string> = {}, who = 'alice') =>
    h.app.inject({ method: 'POST', url: '/sora/v1/characters', headers: { ...(who === 'alice' ? h.alice : h.bob), ...headers }, payload: body });
  const get = (url: string, who: 'alice' | 'bob' = 'alice') => h.app.inject({ method: 'GET', url, headers: who === 'alice' ? h.alice : h.bob });
  const local = (absolute: string) => absolute.replace('http://sc.test', '');

  it('creates a character whose portrait is the face from inside the window', async () => {
    const res = await post({ url: files.url('face.mp4'), timestamps: '2,4', display_name: 'Face' });
    expect(res.statusCode, res.body).toBe(200);
    const c = res.json();
    expect(c.id).toMatch(/^ch_[0-9a-f]{32}$/);
    expect(c.username).toMatch(/^[a-z]{9}\.[a-z0-9_]{3,30}$/);
    expect(c.permalink).toBe(`http://sc.test/profile/${c.username}`);
    expect(c.profile_picture_url).toMatch(/^http:\/\/sc\.test\/files\/.+\?exp=\d+&sig=/);
    expect(c).toMatchObject({ object: 'character', status: 'ready', visibility: 'private', display_name: 'Face', timestamps: '2,4', error: null });

    const portrait = await get(local(c.profile_picture_url));
    expect(portrait.statusCode).toBe(200);
    expect(portrait.headers['content-type']).toBe('image/webp');
    const { data, info } = await sharp(portrait.rawPayload).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, (await sharp(portrait.rawPayload).metadata()).format]).toEqual([512, 512, 'webp']);
    const faces = await createHumanFaceDetector().detect({ timeSec: 0, width: info.width, height: info.height, data });
    expect(faces.length).toBeGreaterThan(0);
    // The face fills a good part of the portrait, near its centre.
    const f = faces[0];
    expect(f.width).toBeGreaterThan(120);
    expect(Math.abs(f.x + f.width / 2 - 256)).toBeLessThan(100);

    const stored = await h.rt.store.characters.get(c.id);
    expect(stored?.media).toMatchObject({ portrait_subject: 'face' });
    const t = (stored!.media as { portrait_time: number }).portrait_time;
    expect(t).toBeGreaterThanOrEqual(2);
    expect(t).toBeLessThanOrEqual(4);

    const clip = await get(local(c.clip_url));
    expect(clip.statusCode).toBe(200);
    expect(clip.headers['content-type']).toBe('video/mp4');
    const ranged = await h.app.inject({ method: 'GET', url: local(c.clip_url), headers: { range: 'bytes=0-99' } });
    expect(ranged.statusCode).toBe(206);
    expect(ranged.rawPayload.length).toBe(100);
    expect(ranged.headers['content-range']).toMatch(/^bytes 0-99\/\d+$/);
  });

  it('falls back to the main subject when the window shows no face', async () => {
    const res = await post({ url: files.url('face.mp4'), timestamps: '0,1.5' });
    expect(res.statusCode, res.body).toBe(200);
    const stored = await h.rt.store.characters.get(res.json().id);
    expect(stored?.media).toMatchObject({ portrait_subject: 'salient' });
  });

  it('takes a data: URL source', async () => {
    const buf = await readFile(await makeVideo({ durationSec: 2 }));
    const res = await post({ url: dataUrlOf(buf), timestamps: [0.5, 1.5] });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().source).toEqual({ type: 'url', url: 'data:video/mp4' });
  });

  it('refuses a window past the end (400 timestamps_out_of_range) and keeps nothing', async () => {
    const before = (await get('/sora/v1/characters?limit=100')).json().data.length;
    const res = await post({ url: files.url('plain.mp4'), timestamps: '2,4.5' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'timestamps_out_of_range', param: 'timestamps' });
    expect((await get('/sora/v1/characters?limit=100')).json().data.length).toBe(before);
  });

  it('refuses a source that is not a video (422 unsupported_media)', async () => {
    const res = await post({ url: files.url('page.html'), timestamps: '0,1' });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('unsupported_media');
  });

  it('answers 400 invalid_url for a 404 source', async () => {
    const res = await post({ url: files.url('missing.mp4'), timestamps: '0,1' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'invalid_url', param: 'url', message: 'the source answered HTTP 404' });
  });

  it('Prefer: respond-async answers 202 processing, then GET turns ready; a failure ends failed with a code', async () => {
    const res = await post({ url: files.url('plain.mp4'), timestamps: '1,3' }, { prefer: 'respond-async' });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ status: 'processing', profile_picture_url: null });
    const ready = await poll(res.json().id);
    expect(ready.status).toBe('ready');
    expect(ready.profile_picture_url).toMatch(/sig=/);

    const bad = await post({ url: files.url('page.html'), timestamps: '0,1' }, { prefer: 'respond-async' });
    expect(bad.statusCode).toBe(202);
    const failed = await poll(bad.json().id);
    expect(failed).toMatchObject({ status: 'failed', error: { code: 'unsupported_media' } });
  });

  async function poll(id: string) {
    for (let i = 0; i < 200; i++) {
      const c = (await get(`/sora/v1/characters/${id}`)).json();
      if (c.status !== 'processing') return c;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('still processing');
  }

  it('requested usernames: <owner>.<handle>, 409 username_taken when the key has it', async () => {
    const a = await post({ url: files.url('plain.mp4'), timestamps: '0,1', username: 'hero_one' }, { prefer: 'respond-async' });
    expect(a.statusCode).toBe(202);
    expect(a.json().username).toMatch(/^[a-z]{9}\.hero_one$/);
    const b = await post({ url: files.url('plain.mp4'), timestamps: '0,1', username: 'hero_one' }, { prefer: 'respond-async' });
    expect(b.statusCode).toBe(409);
    expect(b.json().error).toMatchObject({ code: 'username_taken', param: 'username' });
    // Another key may have the same handle under its own owner.
    const c = await post({ url: files.url('plain.mp4'), timestamps: '0,1', username: 'hero_one' }, { prefer: 'respond-async' }, 'bob');
    expect(c.statusCode).toBe(202);
    expect(c.json().username).not.toBe(a.json().username);
    await poll(a.json().id);
  });

  it('Idempotency-Key: the same body returns the same character; another body is 409', async () => {
    const body = { url: files.url('plain.mp4'), timestamps: '0,1.5' };
    const first = await post(body, { 'idempotency-key': 'k-1' });
    const again = await post(body, { 'idempotency-key': 'k-1' });
    expect(first.statusCode).toBe(200);
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(first.json().id);
    const other = await post({ ...body, timestamps: '0,2' }, { 'idempotency-key': 'k-1' });
    expect(other.statusCode).toBe(409);
    expect(other.json().error.code).toBe('idempotency_conflict');
  });

  it('Idempotency-Key: two identical requests at once make one character', async () => {
    const body = { url: files.url('plain.mp4'), timestamps: '0.5,2' };
    const [a, b] = await Promise.all([post(body, { 'idempotency-key': 'twin' }), post(body, { 'idempotency-key': 'twin' })]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect(a.json().id).toBe(b.json().id);
  });

  it('tenancy: private is 404 to others; public is readable but 403 not_owner to change', async () => {
    const c = (await post({ url: files.url('plain.mp4'), timestamps: '0,1' })).json();
    expect((await get(`/sora/v1/characters/${c.id}`, 'bob')).statusCode).toBe(404);
    expect((await get(`/sora/v1/characters/${c.username}`, 'bob')).statusCode).toBe(404);
    const patched = await h.app.inject({
      method: 'PATCH',
      url: `/sora/v1/characters/${c.id}`,
      headers: h.alice,
      payload: { visibility: 'public', display_name: 'Open' },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ visibility: 'public', display_name: 'Open' });
    const seen = await get(`/sora/v1/characters/@${c.username}`, 'bob');
    expect(seen.statusCode).toBe(200);
    for (const method of ['PATCH', 'DELETE'] as const) {
      const res = await h.app.inject({
        method,
        url: `/sora/v1/characters/${c.id}`,
        headers: h.bob,
        ...(method === 'PATCH' ? { payload: { display_name: 'mine' } } : {}),
      });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('not_owner');
    }
    // Bob's list never shows Alice's characters, public or not.
    expect((await get('/sora/v1/characters?limit=100', 'bob')).json().data.every((x: { id: string }) => x.id !== c.id)).toBe(true);
  });

  it('lists newest first with cursor pagination', async () => {
    const all = (await get('/sora/v1/characters?limit=100')).json();
    expect(all.object).toBe('list');
    expect(all.data.length).toBeGreaterThanOrEqual(5);
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = (await get(`/sora/v1/characters?limit=2${after ? `&after=${after}` : ''}`)).json();
      seen.push(...page.data.map((c: { id: string }) => c.id));
      expect(page.first_id).toBe(page.data[0]?.id ?? null);
      expect(page.last_id).toBe(page.data.at(-1)?.id ?? null);
      if (!page.has_more) break;
      after = page.last_id;
    }
    expect(seen).toEqual(all.data.map((c: { id: string }) => c.id));
    const created = all.data.map((c: { created_at: number }) => c.created_at);
    expect([...created].sort((a, b) => b - a)).toEqual(created);
  });

  it('the profile page opens for every existing character; private ones say so and carry noindex', async () => {
    const c = (await post({ url: files.url('plain.mp4'), timestamps: '0,1', display_name: 'Page <b>Test</b>' })).json();
    const page = await h.app.inject({ method: 'GET', url: `/profile/${c.username}` });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain(`@${c.username}`);
    expect(page.body).toContain('Page &lt;b&gt;Test&lt;/b&gt;');
    expect(page.body).toContain('noindex');
    expect(page.body).toContain('Private character');
    await h.app.inject({ method: 'PATCH', url: `/sora/v1/characters/${c.id}`, headers: h.alice, payload: { visibility: 'public' } });
    const pub = await h.app.inject({ method: 'GET', url: `/profile/${c.username}` });
    expect(pub.body).not.toContain('noindex');
  });

  it('DELETE removes the assets, frees the username and 404s the page', async () => {
    const c = (await post({ url: files.url('plain.mp4'), timestamps: '0,1', username: 'gone_soon' })).json();
    // Read everything first, so that the read-path caches hold it when it goes.
    expect((await get(`/sora/v1/characters/${c.id}`)).statusCode).toBe(200);
    expect((await get(local(c.profile_picture_url))).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: `/profile/${c.username}` })).statusCode).toBe(200);
    const del = await h.app.inject({ method: 'DELETE', url: `/sora/v1/characters/${c.id}`, headers: h.alice });
    expect(del.statusCode).toBe(200);
    expect(del.json()).toEqual({ id: c.id, object: 'character.deleted', deleted: true });
    expect((await get(`/sora/v1/characters/${c.id}`)).statusCode).toBe(404);
    expect((await get(local(c.profile_picture_url))).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: `/profile/${c.username}` })).statusCode).toBe(404);
    const again = await post({ url: files.url('plain.mp4'), timestamps: '0,1', username: 'gone_soon' }, { prefer: 'respond-async' });
    expect(again.statusCode).toBe(202);
    expect(again.json().username).toBe(c.username);
    await poll(again.json().id);
  });

  it('signed files: 403 invalid_signature when tampered or expired; every GET signs afresh', async () => {
    const c = (await post({ url: files.url('plain.mp4'), timestamps: '0,1' })).json();
    const u = new URL(c.profile_picture_url);
    const tampered = `${u.pathname}?exp=${u.searchParams.get('exp')}&sig=${'A'.repeat(43)}`;
    const res = await get(tampered);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('invalid_signature');
    const { signFilePath } = await import('../../src/api/signed-url.js');
    const expired = signFilePath(h.rt.signingSecret, u.pathname.slice('/files/'.length), Math.floor(Date.now() / 1000) - 1);
    expect((await get(expired)).json().error.code).toBe('invalid_signature');
    await new Promise((r) => setTimeout(r, 1100));
    const fresh = (await get(`/sora/v1/characters/${c.id}`)).json();
    expect(fresh.profile_picture_url).not.toBe(c.profile_picture_url);
  });

  it('readiness and docs', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const ready = await h.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.json()).toEqual({ status: 'ok', checks: { store: 'ok', storage: 'ok', queue: 'ok' } });
    const doc = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\.1/);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/sora/v1/characters', '/sora/v1/characters/{id}']));
    expect(doc.paths['/sora/v1/characters'].post.requestBody).toBeDefined();
    const metrics = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toMatch(/sora_characters_http_requests_total\{method="POST",route="\/sora\/v1\/characters",status="200"\} \d+/);
    expect(metrics.body).toMatch(/sora_characters_queue_depth \d+/);
    const docs = await h.app.inject({ method: 'GET', url: '/docs/' });
    expect([200, 302]).toContain(docs.statusCode);
  });
});

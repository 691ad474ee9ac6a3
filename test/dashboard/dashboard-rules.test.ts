import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataUrlOf, type Harness, startHarness } from '../support/harness.js';
import { makeVideo } from '../support/videos.js';
import { csrfOf, form, Jar, multipart, signIn } from './support.js';

const ALICE = 'sk-alice-test-key';
const BOB = 'sk-bob-test-key';
const ADMIN = 'sk-admin-test-key';

/** The dashboard's rules through app.inject: sessions, CSRF, tenancy, admin pages, cookie flags. */
describe('dashboard: sessions, CSRF and tenancy', () => {
  let h: Harness;
  let video: Buffer;
  let bobPrivate: { id: string; username: string };
  let bobPublic: { id: string; username: string };

  const get = (url: string, jar?: Jar) => h.app.inject({ method: 'GET', url, headers: jar ? { cookie: jar.header() } : {} });
  const post = (url: string, jar: Jar, fields: Record<string, string>) => {
    const f = form(fields);
    return h.app.inject({ method: 'POST', url, body: f.body, headers: { ...f.headers, cookie: jar.header() } });
  };
  const createByApi = async (headers: Record<string, string>, body: object) => {
    const res = await h.app.inject({ method: 'POST', url: '/sora/v1/characters', headers, payload: { url: dataUrlOf(video), timestamps: '0,1.5', ...body } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { id: string; username: string };
  };

  beforeAll(async () => {
    h = await startHarness({ ADMIN_API_KEYS: ADMIN });
    video = await readFile(await makeVideo({ durationSec: 2 }));
    bobPrivate = await createByApi(h.bob, { display_name: 'Bob Private' });
    bobPublic = await createByApi(h.bob, { display_name: 'Bob Public', visibility: 'public' });
  });
  afterAll(() => h?.close());

  it('sends a visitor without a session to the sign-in page, and back afterwards', async () => {
    for (const url of ['/admin', '/admin/characters', '/admin/characters/new', '/admin/videos', '/admin/keys', `/admin/characters/${bobPublic.id}`]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(303);
      expect(res.headers.location).toBe(`/admin/login?next=${encodeURIComponent(url)}`);
    }
    // A POST without a session is sent to sign in too, and changes nothing.
    const jar = new Jar();
    const res = await post(`/admin/characters/${bobPrivate.id}/delete`, jar, { csrf: 'x'.repeat(43) });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/login');
    expect((await h.app.inject({ method: 'GET', url: `/sora/v1/characters/${bobPrivate.id}`, headers: h.bob })).statusCode).toBe(200);
  });

  it('refuses a bad key on the sign-in form: the error is shown and no session cookie is set', async () => {
    const jar = new Jar();
    const res = await signIn(h.app, jar, 'sk-not-a-key');
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('That API key is not valid');
    expect(res.body).not.toContain('sk-not-a-key');
    expect(jar.cookies.has('sc_session')).toBe(false);
    expect(String(res.headers['set-cookie'])).not.toContain('sc_session');
  });

  it('refuses a sign-in form that did not come from the sign-in page (login CSRF)', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/admin/login', ...form({ key: ALICE, csrf: 'A'.repeat(43) }) });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('out of date');
    expect(String(res.headers['set-cookie'] ?? '')).not.toContain('sc_session=v1');
  });

  it('signs in with a cookie that is HttpOnly, SameSite=Strict, Path=/, names the key by id only; Secure over https', async () => {
    const jar = new Jar();
    const res = await signIn(h.app, jar, ALICE);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/characters');
    const line = [res.headers['set-cookie']].flat().find((c) => String(c).startsWith('sc_session='))!;
    expect(line).toMatch(/; HttpOnly/);
    expect(line).toMatch(/; SameSite=Strict/);
    expect(line).toMatch(/; Path=\//);
    expect(line).not.toMatch(/Secure/);
    expect(line).not.toContain(ALICE);
    expect(line).toMatch(/^sc_session=v1\.key_static_[0-9a-f]{24}\.\d+\.[\w-]{22}\.[\w-]{43};/);
    const page = await get('/admin/characters', jar);
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain(ALICE);

    // Behind a TLS proxy (X-Forwarded-Proto: https), the cookie is Secure.
    const login = await h.app.inject({ method: 'GET', url: '/admin/login', headers: { 'x-forwarded-proto': 'https' } });
    expect(String(login.headers['set-cookie'])).toMatch(/; Secure/);
  });

  it('goes back only to a dashboard page after signing in (no open redirect)', async () => {
    for (const [next, to] of [
      ['/admin/videos', '/admin/videos'],
      ['//evil.example/admin', '/admin/characters'],
      ['https://evil.example/', '/admin/characters'],
      ['/admin//evil.example', '/admin/characters'],
      ['/profile/x', '/admin/characters'],
    ]) {
      const jar = new Jar();
      const page = await h.app.inject({ method: 'GET', url: `/admin/login?next=${encodeURIComponent(next!)}` });
      jar.take(page);
      const res = await h.app.inject({
        method: 'POST',
        url: '/admin/login',
        body: new URLSearchParams({ key: ALICE, csrf: csrfOf(page.body), next: next! }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header() },
      });
      expect(res.headers.location, next).toBe(to);
    }
  });

  it('sets Secure on every cookie when PUBLIC_URL is https', async () => {
    const https = await startHarness({ PUBLIC_URL: 'https://sc.example' });
    try {
      const jar = new Jar();
      const res = await signIn(https.app, jar, ALICE);
      expect(res.statusCode).toBe(303);
      for (const line of [res.headers['set-cookie']].flat()) expect(String(line)).toMatch(/; Secure/);
    } finally {
      await https.close();
    }
  });

  it('refuses a forged, tampered or expired session cookie', async () => {
    const jar = new Jar();
    await signIn(h.app, jar, ALICE);
    const good = jar.cookies.get('sc_session')!;
    const [v, keyId, exp, nonce, sig] = good.split('.');
    const forged = [
      `${v}.key_static_${'0'.repeat(24)}.${exp}.${nonce}.${sig}`,
      `${v}.${keyId}.${Number(exp) + 1000}.${nonce}.${sig}`,
      `${v}.${keyId}.${exp}.${nonce}.${'A'.repeat(43)}`,
      'garbage',
    ];
    for (const value of forged) {
      const res = await h.app.inject({ method: 'GET', url: '/admin/characters', headers: { cookie: `sc_session=${value}` } });
      expect(res.statusCode, value).toBe(303);
      expect(String(res.headers['set-cookie'])).toMatch(/^sc_session=; Path=\/; Max-Age=0/);
    }
  });

  it('refuses a POST without the session CSRF token with 403 and changes nothing', async () => {
    const jar = new Jar();
    await signIn(h.app, jar, BOB);
    for (const csrf of [undefined, '', 'A'.repeat(43)]) {
      const res = await post(`/admin/characters/${bobPrivate.id}`, jar, { display_name: 'Renamed', ...(csrf === undefined ? {} : { csrf }) });
      expect(res.statusCode).toBe(403);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).toContain('invalid_csrf_token');
    }
    // Another session's token does not fit this one.
    const other = new Jar();
    await signIn(h.app, other, BOB);
    const foreign = csrfOf((await get('/admin/characters', other)).body);
    expect((await post(`/admin/characters/${bobPrivate.id}/delete`, jar, { csrf: foreign })).statusCode).toBe(403);
    const still = await h.app.inject({ method: 'GET', url: `/sora/v1/characters/${bobPrivate.id}`, headers: h.bob });
    expect(still.json().display_name).toBe('Bob Private');
  });

  it("answers another key's character, private or public, with 404 on every page, and changes nothing", async () => {
    const jar = new Jar();
    await signIn(h.app, jar, ALICE);
    const csrf = csrfOf((await get('/admin/characters', jar)).body);
    for (const c of [bobPrivate, bobPublic]) {
      for (const url of [`/admin/characters/${c.id}`, `/admin/characters/${c.username}`, `/admin/characters/${c.id}/delete`]) {
        const res = await get(url, jar);
        expect(res.statusCode, url).toBe(404);
        expect(res.body).toContain('character_not_found');
      }
      expect((await get(`/admin/characters/${c.id}/status`, jar)).json()).toMatchObject({ error: { code: 'character_not_found' } });
      expect((await post(`/admin/characters/${c.id}`, jar, { csrf, display_name: 'Mine now' })).statusCode).toBe(404);
      expect((await post(`/admin/characters/${c.id}/delete`, jar, { csrf })).statusCode).toBe(404);
    }
    const gallery = await get('/admin/characters', jar);
    expect(gallery.body).not.toContain(bobPublic.username);
    expect((await h.app.inject({ method: 'GET', url: `/sora/v1/characters/${bobPublic.id}`, headers: h.bob })).json().display_name).toBe('Bob Public');
  });

  it('refuses the key pages to a key not listed in ADMIN_API_KEYS with 403', async () => {
    const jar = new Jar();
    await signIn(h.app, jar, ALICE);
    const page = await get('/admin/keys', jar);
    expect(page.statusCode).toBe(403);
    expect(page.body).toContain('admin_only');
    expect(page.body).not.toContain('href="/admin/keys"');
    const csrf = csrfOf((await get('/admin/characters', jar)).body);
    expect((await post('/admin/keys', jar, { csrf, name: 'sneaky' })).statusCode).toBe(403);
    expect(await h.rt.keys.list()).toEqual([]);
  });

  it('lets an admin create a key (shown once), see usage and the queue depth, and revoke it: its session ends at the next request', async () => {
    const admin = new Jar();
    await signIn(h.app, admin, ADMIN);
    const keysPage = await get('/admin/keys', admin);
    expect(keysPage.statusCode).toBe(200);
    expect(keysPage.body).toContain('Jobs waiting in the queue');
    // Bob's two characters are counted.
    expect(keysPage.body).toMatch(/API_KEYS<\/strong>[\s\S]*?<td>2<\/td>/);
    const created = await post('/admin/keys', admin, { csrf: csrfOf(keysPage.body), name: 'phone app' });
    expect(created.statusCode).toBe(200);
    const key = /<code id="new-key">(sk-sc-[\w-]+)<\/code>/.exec(created.body)?.[1];
    expect(key).toBeDefined();
    // Shown once: the next look at the page does not have it.
    expect((await get('/admin/keys', admin)).body).not.toContain(key!);

    const user = new Jar();
    expect((await signIn(h.app, user, key!)).statusCode).toBe(303);
    expect((await get('/admin/characters', user)).statusCode).toBe(200);

    const [stored] = await h.rt.keys.list();
    const revoke = await post(`/admin/keys/${stored!.id}/revoke`, admin, { csrf: csrfOf(keysPage.body) });
    expect(revoke.statusCode).toBe(303);
    const after = await get('/admin/characters', user);
    expect(after.statusCode).toBe(303);
    expect(after.headers.location).toMatch(/^\/admin\/login/);
  });

  it('creates a character from an uploaded file and the typed window, edits it, and deletes it after the confirmation step', async () => {
    const jar = new Jar();
    await signIn(h.app, jar, ALICE);
    const newPage = await get('/admin/characters/new', jar);
    expect(newPage.statusCode).toBe(200);
    expect(newPage.headers['content-security-policy']).toContain('media-src');
    expect(newPage.headers['content-security-policy']).not.toContain('unsafe-inline');
    const fd = new FormData();
    fd.set('csrf', csrfOf(newPage.body));
    fd.set('video', new Blob([new Uint8Array(video)], { type: 'video/mp4' }), 'mine.mp4');
    fd.set('url', '');
    fd.set('timestamps', '0.25,1.5');
    fd.set('display_name', 'Uploaded One');
    fd.set('visibility', 'private');
    const mp = await multipart(fd);
    const res = await h.app.inject({ method: 'POST', url: '/admin/characters', body: mp.body, headers: { ...mp.headers, cookie: jar.header() } });
    expect(res.statusCode, res.body).toBe(303);
    const id = /^\/admin\/characters\/(ch_[0-9a-f]{32})$/.exec(String(res.headers.location))?.[1];
    expect(id).toBeDefined();

    // The status the page polls, until ready.
    let status = '';
    for (let i = 0; i < 200 && status !== 'ready' && status !== 'failed'; i++) {
      status = (await get(`/admin/characters/${id}/status`, jar)).json().status;
      if (status === 'processing') await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe('ready');
    const page = await get(`/admin/characters/${id}`, jar);
    expect(page.body).toContain('Uploaded One');
    expect(page.body).toMatch(/<img class="portrait" src="http:\/\/sc\.test\/files\//);
    expect(page.body).toMatch(/<video class="clip" src="http:\/\/sc\.test\/files\//);

    const csrf = csrfOf(page.body);
    const edit = await post(`/admin/characters/${id}`, jar, { csrf, display_name: 'Renamed One', visibility: 'public' });
    expect(edit.statusCode).toBe(303);
    const api = (await h.app.inject({ method: 'GET', url: `/sora/v1/characters/${id}`, headers: h.alice })).json();
    expect(api).toMatchObject({ display_name: 'Renamed One', visibility: 'public' });

    // A blank display name is refused by the API's own rule, and changes nothing.
    const blank = await post(`/admin/characters/${id}`, jar, { csrf, display_name: '   ', visibility: 'private' });
    expect(blank.statusCode).toBe(400);
    expect(blank.body).toContain('display name');

    const confirm = await get(`/admin/characters/${id}/delete`, jar);
    expect(confirm.body).toContain('Delete for good');
    const del = await post(`/admin/characters/${id}/delete`, jar, { csrf });
    expect(del.statusCode).toBe(303);
    expect((await h.app.inject({ method: 'GET', url: `/sora/v1/characters/${id}`, headers: h.alice })).statusCode).toBe(404);
  });

  it('shows the API rules on the create form: a window too long, no source', async () => {
    const jar = new Jar();
    await signIn(h.app, jar, ALICE);
    const csrf = csrfOf((await get('/admin/characters/new', jar)).body);
    const send = async (fields: Record<string, string>) => {
      const fd = new FormData();
      fd.set('csrf', csrf);
      for (const [k, v] of Object.entries(fields)) fd.set(k, v);
      const mp = await multipart(fd);
      return h.app.inject({ method: 'POST', url: '/admin/characters', body: mp.body, headers: { ...mp.headers, cookie: jar.header() } });
    };
    const long = await send({ url: dataUrlOf(video), timestamps: '0,5' });
    expect(long.statusCode).toBe(400);
    expect(long.body).toMatch(/role="alert" id="form-error">[^<]*(3|three)/);
    const none = await send({ timestamps: '0,1' });
    expect(none.statusCode).toBe(400);
    expect(none.body).toContain('Choose a video file');
    const listed = await h.app.inject({ method: 'GET', url: '/sora/v1/characters', headers: h.alice });
    expect(listed.json().data).toEqual([]);
  });

  it('renders a video task from the form, shows its engine and progress, and serves its result', async () => {
    const jar = new Jar();
    await signIn(h.app, jar, BOB);
    const page = await get('/admin/videos', jar);
    const res = await post('/admin/videos', jar, {
      csrf: csrfOf(page.body),
      prompt: `@${bobPublic.username} waves`,
      model: 'sora-2',
      seconds: '4',
      size: '720x1280',
    });
    expect(res.statusCode, res.body).toBe(303);
    const id = /\/admin\/videos\/(video_[0-9a-f-]{36})$/.exec(String(res.headers.location))?.[1];
    let s = { status: '', progress: 0, done: false };
    for (let i = 0; i < 600 && !s.done; i++) {
      s = (await get(`/admin/videos/${id}/status`, jar)).json();
      if (!s.done) await new Promise((r) => setTimeout(r, 100));
    }
    expect(s).toMatchObject({ status: 'completed', progress: 100, done: true });
    const task = await get(`/admin/videos/${id}`, jar);
    expect(task.body).toContain('engine local');
    expect(task.body).toContain(`src="/admin/videos/${id}/content"`);
    const mp4 = await get(`/admin/videos/${id}/content`, jar);
    expect(mp4.statusCode).toBe(200);
    expect(mp4.headers['content-type']).toBe('video/mp4');
    // Another key sees none of it.
    const alice = new Jar();
    await signIn(h.app, alice, ALICE);
    expect((await get(`/admin/videos/${id}`, alice)).statusCode).toBe(404);
    expect((await get(`/admin/videos/${id}/content`, alice)).statusCode).toBe(404);
  });

  it("shows a private character's profile page whole to its owner signed in, and no media to anyone else", async () => {
    const owner = new Jar();
    await signIn(h.app, owner, BOB);
    const other = new Jar();
    await signIn(h.app, other, ALICE);
    const url = `/profile/${bobPrivate.username}`;
    const mine = await get(url, owner);
    expect(mine.statusCode).toBe(200);
    expect(mine.body).toMatch(/<img class="portrait" src="http:\/\/sc\.test\/files\//);
    expect(mine.body).toMatch(/<video class="clip" src="http:\/\/sc\.test\/files\//);
    for (const visitor of [undefined, other]) {
      const page = await get(url, visitor);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Private character');
      expect(page.body).not.toContain('/files/');
      expect(page.body).not.toMatch(/<video|<img/);
    }
  });

  it('signs out: the cookie is cleared and the session ends, for a copy of the cookie too', async () => {
    const jar = new Jar();
    await signIn(h.app, jar, ALICE);
    const csrf = csrfOf((await get('/admin/characters', jar)).body);
    const copied = jar.header();
    const out = await post('/admin/logout', jar, { csrf });
    jar.take(out);
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe('/admin/login');
    expect(String(out.headers['set-cookie'])).toMatch(/^sc_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict/);
    expect((await get('/admin/characters', jar)).statusCode).toBe(303);
    // A copy of the cookie taken before (another tab, a stolen one) is refused too: the stored session is gone.
    const replay = await h.app.inject({ method: 'GET', url: '/admin/characters', headers: { cookie: copied } });
    expect(replay.statusCode).toBe(303);
    expect(replay.headers.location).toMatch(/^\/admin\/login/);
    // Another session of the same key is not touched.
    const other = new Jar();
    await signIn(h.app, other, ALICE);
    expect((await get('/admin/characters', other)).statusCode).toBe(200);
  });
});

describe('dashboard: RATE_LIMIT_PER_MINUTE counts the forms a key sends', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ RATE_LIMIT_PER_MINUTE: '2' });
  });
  afterAll(() => h?.close());

  it('refuses the third form of a minute with 429 and Retry-After; pages and polls are not counted', async () => {
    const jar = new Jar();
    await signIn(h.app, jar, ALICE);
    const get = (url: string) => h.app.inject({ method: 'GET', url, headers: { cookie: jar.header() } });
    for (let i = 0; i < 5; i++) expect((await get('/admin/characters')).statusCode).toBe(200);
    const csrf = csrfOf((await get('/admin/videos')).body);
    const send = () => {
      const f = form({ csrf, prompt: '' });
      return h.app.inject({ method: 'POST', url: '/admin/videos', body: f.body, headers: { ...f.headers, cookie: jar.header() } });
    };
    expect((await send()).statusCode).toBe(400);
    expect((await send()).statusCode).toBe(400);
    const third = await send();
    expect(third.statusCode).toBe(429);
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
    expect(third.body).toContain('rate_limit_exceeded');
    expect((await get('/admin/videos')).statusCode).toBe(200);
    // Another key has its own count.
    const bob = new Jar();
    await signIn(h.app, bob, BOB);
    const bobCsrf = csrfOf((await h.app.inject({ method: 'GET', url: '/admin/videos', headers: { cookie: bob.header() } })).body);
    const f = form({ csrf: bobCsrf, prompt: '' });
    expect((await h.app.inject({ method: 'POST', url: '/admin/videos', body: f.body, headers: { ...f.headers, cookie: bob.header() } })).statusCode).toBe(400);
  });
});

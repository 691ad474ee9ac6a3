import type { FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFileServer } from '../support/file-server.js';
import { type Harness, startHarness } from '../support/harness.js';
import { makeVideo } from '../support/videos.js';

interface Character {
  id: string;
  username: string;
  permalink: string;
  display_name: string;
  profile_picture_url: string;
  clip_url: string;
  created_at: number;
}

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

let viewerCalls = 0;
/** Stub session: the test names the signed-in key in a header; the real one is the dashboard's cookie. */
const stubViewer = async (req: FastifyRequest) => {
  viewerCalls++;
  const keyId = req.headers['x-test-viewer'];
  return typeof keyId === 'string' ? { keyId } : null;
};

/** Every media or preview trace a page could carry. */
function expectNoMedia(html: string, c: Character) {
  expect(html).not.toMatch(/<img\b/i);
  expect(html).not.toMatch(/<video\b/i);
  expect(html).not.toMatch(/og:image|twitter:image/);
  expect(html).not.toContain('/files/');
  expect(html).not.toContain(new URL(c.profile_picture_url).pathname);
  expect(html).not.toContain(new URL(c.clip_url).pathname);
}

/** The profile page's rules, each answered through app.inject. */
describe('the profile page', () => {
  let h: Harness;
  let files: Awaited<ReturnType<typeof startFileServer>>;
  let pub: Character;
  let priv: Character;
  let aliceKeyId: string;
  let bobKeyId: string;

  const page = (path: string, headers: Record<string, string> = {}, remoteAddress = '198.51.100.7') =>
    h.app.inject({ method: 'GET', url: path, headers: { accept: BROWSER_ACCEPT, ...headers }, remoteAddress });

  beforeAll(async () => {
    files = await startFileServer({ 'v.mp4': { path: await makeVideo({ durationSec: 3, width: 320, height: 240 }), type: 'video/mp4' } });
    h = await startHarness({ PROFILE_RATE_LIMIT_PER_MINUTE: '1000' }, { viewer: stubViewer });
    const create = async (body: object) => {
      const res = await h.app.inject({
        method: 'POST',
        url: '/sora/v1/characters',
        headers: h.alice,
        payload: { url: files.url('v.mp4'), timestamps: '0,2', ...body },
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as Character;
    };
    pub = await create({ visibility: 'public', display_name: 'Ada <Lovelace> & "Co"' });
    priv = await create({ display_name: 'Hidden One' });
    aliceKeyId = (await h.rt.keys.authenticate('sk-alice-test-key')).keyId;
    bobKeyId = (await h.rt.keys.authenticate('sk-bob-test-key')).keyId;
  });
  afterAll(async () => {
    await h?.close();
    await files?.close();
  });

  it('a public character: portrait, looping muted clip, name, @username, created date, owner and link-preview tags', async () => {
    const res = await page(`/profile/${pub.username}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-robots-tag']).toBeUndefined();
    const html = res.body;
    expect(html).not.toMatch(/name="robots"/);
    const portraitPath = new URL(pub.profile_picture_url).pathname;
    expect(html).toMatch(
      new RegExp(
        `<img class="portrait" src="http://sc\\.test${portraitPath}\\?exp=\\d+&amp;sig=[^"]+" alt="Portrait of Ada &lt;Lovelace&gt; &amp; &quot;Co&quot;"`,
      ),
    );
    const video = /<video [^>]*>/.exec(html)?.[0] ?? '';
    expect(video).toContain(`src="http://sc.test${new URL(pub.clip_url).pathname}?exp=`);
    for (const attr of [' autoplay', ' muted', ' loop', ' playsinline']) expect(video).toContain(attr);
    // The display name is escaped everywhere it appears, never raw.
    expect(html).toContain('<h1>Ada &lt;Lovelace&gt; &amp; &quot;Co&quot;</h1>');
    expect(html).not.toContain('<Lovelace>');
    expect(html).toContain(`<code id="mention">@${pub.username}</code>`);
    expect(html).toContain(`data-mention="@${pub.username}"`);
    const owner = pub.username.split('.')[0];
    expect(html).toContain(`<span class="owner">${owner}</span>`);
    expect(html).toContain(`<time datetime="${new Date(pub.created_at * 1000).toISOString()}">`);
    // Open Graph and Twitter card: absolute portrait URL, the permalink, a summary card.
    const meta = (attr: string, name: string) => new RegExp(`<meta ${attr}="${name}" content="([^"]*)">`).exec(html)?.[1];
    expect(meta('property', 'og:image')).toMatch(new RegExp(`^http://sc\\.test${portraitPath}\\?exp=\\d+&amp;sig=`));
    expect(meta('name', 'twitter:image')).toBe(meta('property', 'og:image'));
    expect(meta('property', 'og:url')).toBe(pub.permalink);
    expect(meta('property', 'og:title')).toBe(`Ada &lt;Lovelace&gt; &amp; &quot;Co&quot; (@${pub.username})`);
    expect(meta('property', 'og:image:width')).toBe('512');
    expect(meta('name', 'twitter:card')).toBe('summary');
  });

  it('a private character to a visitor: 200, says private, noindex (meta and header), no portrait, clip or preview image', async () => {
    for (const headers of [{}, { 'x-test-viewer': bobKeyId }] as Record<string, string>[]) {
      const res = await page(`/profile/${priv.username}`, headers);
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-robots-tag']).toBe('noindex, nofollow');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toContain('<meta name="robots" content="noindex,nofollow">');
      expect(res.body).toContain('Private character');
      expect(res.body).toContain(`<code id="mention">@${priv.username}</code>`);
      expect(res.body).toContain('<h1>Hidden One</h1>');
      expectNoMedia(res.body, priv);
      expect(res.body).not.toMatch(/property="og:/);
    }
  });

  it('a private character to its owner (the viewer seam): the whole page, still noindex', async () => {
    const res = await page(`/profile/@${priv.username.toUpperCase()}`, { 'x-test-viewer': aliceKeyId });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-robots-tag']).toBe('noindex, nofollow');
    expect(res.body).toContain('<meta name="robots" content="noindex,nofollow">');
    expect(res.body).toContain(`src="http://sc.test${new URL(priv.profile_picture_url).pathname}?exp=`);
    expect(res.body).toContain(`src="http://sc.test${new URL(priv.clip_url).pathname}?exp=`);
    expect(res.body).toContain('Only you see this');
    // Even the owner's page carries no preview tags: a shared link of a private character previews nothing.
    expect(res.body).not.toMatch(/og:image|twitter:image/);
  });

  it('the viewer (a session lookup) is asked only for an existing private character', async () => {
    viewerCalls = 0;
    expect((await page(`/profile/${pub.username}`)).statusCode).toBe(200);
    expect((await page('/profile/nobody.nothing')).statusCode).toBe(404);
    expect(viewerCalls).toBe(0);
    expect((await page(`/profile/${priv.username}`)).statusCode).toBe(200);
    expect(viewerCalls).toBe(1);
  });

  it('unknown and deleted characters answer the same 404 page', async () => {
    const victim = (
      await h.app.inject({
        method: 'POST',
        url: '/sora/v1/characters',
        headers: h.alice,
        payload: { url: files.url('v.mp4'), timestamps: '0,1', visibility: 'public' },
      })
    ).json() as Character;
    expect((await page(`/profile/${victim.username}`)).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'DELETE', url: `/sora/v1/characters/${victim.id}`, headers: h.alice })).statusCode).toBe(200);
    const deleted = await page(`/profile/${victim.username}`);
    const unknown = await page(`/profile/${victim.username.split('.')[0]}.neverwasone`);
    for (const res of [deleted, unknown]) {
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body).toContain('<title>Character not found</title>');
      expect(res.body).toContain('<meta name="robots" content="noindex,nofollow">');
      expectNoMedia(res.body, victim);
    }
    expect(deleted.body).toBe(unknown.body);
    expect(deleted.headers['content-length']).toBe(unknown.headers['content-length']);
  });

  it('the page reads without JavaScript: the Copy button starts hidden, the mention is plain text', async () => {
    const html = (await page(`/profile/${pub.username}`)).body;
    expect(html).toMatch(/<button type="button" id="copy" class="copy" data-mention="[^"]+" hidden>Copy<\/button>/);
    expect(html).toMatch(/<script src="\/assets\/profile-[0-9a-f]{16}\.js" defer><\/script>/);
  });
});

describe('the profile page under PROFILE_PAGES', () => {
  let files: Awaited<ReturnType<typeof startFileServer>>;
  const harnesses: Harness[] = [];
  beforeAll(async () => {
    files = await startFileServer({ 'v.mp4': { path: await makeVideo({ durationSec: 2 }), type: 'video/mp4' } });
  });
  afterAll(async () => {
    for (const x of harnesses) await x.close();
    await files?.close();
  });

  it.each([
    ['all', 200, 200],
    ['public', 200, 404],
    ['off', 404, 404],
  ] as const)(
    'PROFILE_PAGES=%s: public %i, private %i (even to its owner), the 404 page the same as an unknown name',
    async (mode, publicStatus, privateStatus) => {
      const h = await startHarness({ PROFILE_PAGES: mode }, { viewer: stubViewer });
      harnesses.push(h);
      const aliceKeyId = (await h.rt.keys.authenticate('sk-alice-test-key')).keyId;
      const make = async (visibility: string) =>
        (
          await h.app.inject({
            method: 'POST',
            url: '/sora/v1/characters',
            headers: h.alice,
            payload: { url: files.url('v.mp4'), timestamps: '0,1', visibility },
          })
        ).json() as Character;
      const [pub, priv] = [await make('public'), await make('private')];
      const unknown = await h.app.inject({ url: '/profile/nobody.nothing' });
      expect(unknown.statusCode).toBe(404);
      for (const [c, status] of [
        [pub, publicStatus],
        [priv, privateStatus],
      ] as const) {
        const res = await h.app.inject({ url: `/profile/${c.username}`, headers: { 'x-test-viewer': aliceKeyId } });
        expect(res.statusCode, `${mode} ${c.username}`).toBe(status);
        if (status === 404) expect(res.body).toBe(unknown.body);
      }
    },
  );
});

describe('profile pages: the rate limit per client address, and errors as pages for browsers', () => {
  let h: Harness;
  let files: Awaited<ReturnType<typeof startFileServer>>;
  let pub: Character;
  const LIMIT = 3;

  const get = (url: string, remoteAddress: string, headers: Record<string, string> = {}) =>
    h.app.inject({ method: 'GET', url, remoteAddress, headers: { accept: BROWSER_ACCEPT, ...headers } });
  /** Spends an address's whole minute. */
  const spend = async (remoteAddress: string, headers: Record<string, string> = {}) => {
    for (let i = 0; i < LIMIT; i++) expect((await get(`/profile/${pub.username}`, remoteAddress, headers)).statusCode).toBe(200);
  };

  beforeAll(async () => {
    files = await startFileServer({ 'v.mp4': { path: await makeVideo({ durationSec: 2 }), type: 'video/mp4' } });
    h = await startHarness(
      { PROFILE_RATE_LIMIT_PER_MINUTE: String(LIMIT) },
      {
        viewer: async (req) => {
          if (req.headers['x-test-viewer'] === 'explode') throw new Error('the session store is down');
          return null;
        },
      },
    );
    const res = await h.app.inject({
      method: 'POST',
      url: '/sora/v1/characters',
      headers: h.alice,
      payload: { url: files.url('v.mp4'), timestamps: '0,1', visibility: 'public' },
    });
    pub = res.json();
  });
  afterAll(async () => {
    await h?.close();
    await files?.close();
  });

  it('429 past PROFILE_RATE_LIMIT_PER_MINUTE: an HTML page with Retry-After to a browser, the JSON envelope to an API client', async () => {
    await spend('203.0.113.9');
    const html = await get(`/profile/${pub.username}`, '203.0.113.9');
    expect(html.statusCode).toBe(429);
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(Number(html.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(html.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(html.headers['x-robots-tag']).toBe('noindex, nofollow');
    expect(html.headers['cache-control']).toBe('no-store');
    expect(String(html.headers['content-security-policy'])).toContain("script-src 'self'");
    expect(html.body).toContain('<title>Too many requests</title>');
    expect(html.body).toContain(`Try again in ${html.headers['retry-after']} seconds.`);
    // Unknown names count as well: trying names is what the limit is for.
    const probe = await get('/profile/nobody.nothing', '203.0.113.9');
    expect(probe.statusCode).toBe(429);
    const json = await h.app.inject({ method: 'GET', url: `/profile/${pub.username}`, remoteAddress: '203.0.113.9' });
    expect(json.statusCode).toBe(429);
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    expect(json.json().error.code).toBe('rate_limit_exceeded');
    expect(Number(json.headers['retry-after'])).toBeGreaterThan(0);
    // Another address has its own count; the assets and the API are not counted.
    expect((await get(`/profile/${pub.username}`, '203.0.113.10')).statusCode).toBe(200);
    const asset = /<link rel="stylesheet" href="([^"]+)">/.exec(html.body)?.[1];
    expect((await get(asset!, '203.0.113.9')).statusCode).toBe(200);
    expect((await h.app.inject({ url: `/sora/v1/characters/${pub.id}`, headers: h.alice, remoteAddress: '203.0.113.9' })).statusCode).toBe(200);
  });

  it('a client talking to us directly cannot take a fresh count by writing X-Forwarded-For', async () => {
    await spend('203.0.113.20');
    for (const xff of ['192.0.2.99', '192.0.2.99, 192.0.2.98', 'not-an-address']) {
      expect((await get(`/profile/${pub.username}`, '203.0.113.20', { 'x-forwarded-for': xff })).statusCode, xff).toBe(429);
    }
  });

  it('behind a reverse proxy (a loopback or private peer) the count is the address the proxy saw: the rightmost X-Forwarded-For entry', async () => {
    await spend('127.0.0.1', { 'x-forwarded-for': '192.0.2.1' });
    expect((await get(`/profile/${pub.username}`, '127.0.0.1', { 'x-forwarded-for': '192.0.2.1' })).statusCode).toBe(429);
    // A forged entry before the proxy's own does not help...
    expect((await get(`/profile/${pub.username}`, '127.0.0.1', { 'x-forwarded-for': '9.9.9.9, 192.0.2.1' })).statusCode).toBe(429);
    // ...another client behind the same proxy has its own count.
    expect((await get(`/profile/${pub.username}`, '10.0.0.5', { 'x-forwarded-for': '192.0.2.2' })).statusCode).toBe(200);
  });

  it('IPv6 clients count by their /64', async () => {
    await spend('2001:db8:1:2::1');
    expect((await get(`/profile/${pub.username}`, '2001:db8:1:2:ffff:ffff:ffff:ffff')).statusCode).toBe(429);
    expect((await get(`/profile/${pub.username}`, '2001:db8:1:3::1')).statusCode).toBe(200);
  });

  it('a page that errs: an HTML error page to a browser, the JSON envelope to an API client; API routes stay JSON', async () => {
    const html = await get(`/profile/${pub.username.split('.')[0]}.x`, '203.0.113.30');
    expect(html.statusCode).toBe(404);
    const priv = (
      await h.app.inject({ method: 'POST', url: '/sora/v1/characters', headers: h.alice, payload: { url: files.url('v.mp4'), timestamps: '0,1' } })
    ).json() as Character;
    const page500 = await get(`/profile/${priv.username}`, '203.0.113.31', { 'x-test-viewer': 'explode' });
    expect(page500.statusCode).toBe(500);
    expect(page500.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page500.body).toContain('<title>Something went wrong</title>');
    expect(page500.body).not.toContain('session store');
    const json500 = await h.app.inject({
      url: `/profile/${priv.username}`,
      remoteAddress: '203.0.113.32',
      headers: { 'x-test-viewer': 'explode', accept: 'application/json' },
    });
    expect(json500.statusCode).toBe(500);
    expect(json500.json().error.code).toBe('internal_error');
    const api = await get('/sora/v1/characters/ch_nothing', '203.0.113.33');
    expect(api.statusCode).toBe(401);
    expect(api.headers['content-type']).toMatch(/^application\/json/);
    expect(api.json().error.code).toBe('invalid_api_key');
  });
});

import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFileServer } from '../support/file-server.js';
import { type Harness, startHarness } from '../support/harness.js';
import { makeVideo } from '../support/videos.js';

/**
 * The pages' Content-Security-Policy: no framing, no inline script (the copy button is a served
 * file, cached for good), the one inline style by its hash, media from this origin or PUBLIC_URL.
 */
describe('page security policy', () => {
  let h: Harness;
  let files: Awaited<ReturnType<typeof startFileServer>>;
  let character: { username: string; profile_picture_url: string };

  beforeAll(async () => {
    files = await startFileServer({ 'clip.mp4': { path: await makeVideo({ durationSec: 4, width: 320, height: 180 }), type: 'video/mp4' } });
    h = await startHarness();
    const res = await h.app.inject({
      method: 'POST',
      url: '/sora/v1/characters',
      headers: h.alice,
      payload: { url: files.url('clip.mp4'), timestamps: '1,3', visibility: 'public' },
    });
    expect(res.statusCode, res.body).toBe(200);
    character = res.json();
  });
  afterAll(async () => {
    await h?.close();
    await files?.close();
  });

  function expectEveryAnswerHeaders(headers: Record<string, unknown>, what: string) {
    expect(headers['x-content-type-options'], what).toBe('nosniff');
    expect(headers['referrer-policy'], what).toBe('no-referrer');
  }

  async function expectPagePolicy(url: string, status: number) {
    const res = await h.app.inject({ url });
    expect(res.statusCode).toBe(status);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expectEveryAnswerHeaders(res.headers, url);
    const csp = String(res.headers['content-security-policy'] ?? '');
    const directives = new Map(
      csp
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([name, ...values]) => [name, values]),
    );
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    // No inline script, handler or style: scripts and the stylesheet are files of this origin.
    expect(directives.get('style-src')).toEqual(["'self'"]);
    expect(res.body).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(res.body).not.toMatch(/\son[a-z]+=/i);
    expect(res.body).not.toMatch(/<style[\s>]/i);
    expect(res.body).not.toMatch(/\sstyle=/i);
    expect(res.body).toMatch(/<link rel="stylesheet" href="\/assets\/site-[0-9a-f]{16}\.css">/);
    return res.body;
  }

  it('the profile page and the not-found page: CSP with frame-ancestors none and no inline script', async () => {
    const html = await expectPagePolicy(`/profile/${character.username}`, 200);
    await expectPagePolicy('/profile/nobody.nothing', 404);
    // Its images and clip come from PUBLIC_URL, which the policy allows.
    // (signed anew on every GET: the path is stable, exp and sig are not)
    expect(html).toContain(`src="${character.profile_picture_url.split('?')[0]}?exp=`);
    const csp = String((await h.app.inject({ url: `/profile/${character.username}` })).headers['content-security-policy']);
    expect(csp).toContain("img-src 'self' http://sc.test");
    expect(csp).toContain("media-src 'self' http://sc.test");
  });

  it('the copy button and the stylesheet are served files, cached for good under names that change with them', async () => {
    const html = (await h.app.inject({ url: `/profile/${character.username}` })).body;
    const src = /<script src="([^"]+)" defer><\/script>/.exec(html)?.[1];
    const href = /<link rel="stylesheet" href="([^"]+)">/.exec(html)?.[1];
    expect(src).toMatch(/^\/assets\/profile-[0-9a-f]{16}\.js$/);
    expect(href).toMatch(/^\/assets\/site-[0-9a-f]{16}\.css$/);
    for (const [url, type, content] of [
      [src!, 'text/javascript; charset=utf-8', "getElementById('copy')"],
      [href!, 'text/css; charset=utf-8', '.portrait'],
    ] as const) {
      const res = await h.app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toBe(type);
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expectEveryAnswerHeaders(res.headers, url);
      expect(res.body).toContain(content);
      expect(url).toContain(createHash('sha256').update(res.rawPayload).digest('hex').slice(0, 16));
    }
    // Another name, or a stale hash, is no asset.
    expect((await h.app.inject({ url: '/assets/profile-0000000000000000.js' })).statusCode).toBe(404);
  });
});

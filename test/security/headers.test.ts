import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signFilePath } from '../../src/api/signed-url.js';
import { startFileServer } from '../support/file-server.js';
import { type Harness, startHarness } from '../support/harness.js';
import { makeVideo } from '../support/videos.js';
import { parseRawResponse, rawExchange } from './support/raw-http.js';

/** Headers every answer carries, errors and files included: nosniff and Referrer-Policy. */
describe('security headers', () => {
  let h: Harness;
  let files: Awaited<ReturnType<typeof startFileServer>>;
  let character: { id: string; username: string; profile_picture_url: string; clip_url: string };

  beforeAll(async () => {
    files = await startFileServer({ 'clip.mp4': { path: await makeVideo({ durationSec: 4, width: 320, height: 180 }), type: 'video/mp4' } });
    h = await startHarness();
    const res = await h.app.inject({
      method: 'POST',
      url: '/sora/v1/characters',
      headers: h.alice,
      payload: { url: files.url('clip.mp4'), timestamps: '1,3' },
    });
    expect(res.statusCode, res.body).toBe(200);
    character = res.json();
  });
  afterAll(async () => {
    await h?.close();
    await files?.close();
  });

  const path = (url: string) => url.replace('http://sc.test', '');

  function expectEveryAnswerHeaders(headers: Record<string, unknown>, what: string) {
    expect(headers['x-content-type-options'], what).toBe('nosniff');
    expect(headers['referrer-policy'], what).toBe('no-referrer');
  }

  it('every answer: JSON, errors, 404s, files (200, 206, 403, 416), OpenAPI, metrics, framework refusals', async () => {
    const answers: Array<[string, { method?: 'GET' | 'POST' | 'HEAD'; url: string; headers?: Record<string, string> }, number]> = [
      ['health', { url: '/healthz' }, 200],
      ['a list', { url: '/sora/v1/characters', headers: h.alice }, 200],
      ['401', { url: '/sora/v1/characters' }, 401],
      ['404 route', { url: '/nope' }, 404],
      ['404 character', { url: '/sora/v1/characters/ch_00000000000000000000000000000000', headers: h.alice }, 404],
      ['portrait', { url: path(character.profile_picture_url) }, 200],
      ['clip range', { url: path(character.clip_url), headers: { range: 'bytes=0-15' } }, 206],
      ['clip HEAD', { method: 'HEAD', url: path(character.clip_url) }, 200],
      ['file unsatisfiable range', { url: path(character.clip_url), headers: { range: 'bytes=999999999-' } }, 416],
      ['file bad signature', { url: `/files/characters/${character.id}/portrait.webp?exp=9999999999&sig=${'A'.repeat(43)}` }, 403],
      ['file gone', { url: signFilePath(h.rt.signingSecret, 'characters/gone/portrait.webp', 9_999_999_999) }, 404],
      ['openapi', { url: '/openapi.json' }, 200],
      ['metrics', { url: '/metrics' }, 200],
      ['bad URL encoding', { url: '/%E0%A4%A' }, 400],
      ['path segment too long', { url: `/profile/${'a'.repeat(101)}` }, 414],
      ['invalid JSON', { method: 'POST', url: '/sora/v1/characters', headers: { ...h.alice, 'content-type': 'application/json' } }, 400],
    ];
    for (const [what, req, status] of answers) {
      const res = await h.app.inject({ method: req.method ?? 'GET', url: req.url, headers: req.headers, ...(what === 'invalid JSON' ? { payload: '{' } : {}) });
      expect(res.statusCode, `${what}: ${res.body.slice(0, 200)}`).toBe(status);
      expectEveryAnswerHeaders(res.headers, what);
    }
  });

  it("answers Node's parser makes (written on the socket) carry them too", async () => {
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (h.app.server.address() as AddressInfo).port;
    const r = await rawExchange(port, ['FOO / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'], { giveUpMs: 5_000 });
    const answer = parseRawResponse(r.received);
    expect(answer?.status).toBe(400);
    expectEveryAnswerHeaders(answer!.headers, 'parser refusal');
  });
});

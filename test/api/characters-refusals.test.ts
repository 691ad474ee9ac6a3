import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTask } from '../records/store-contract.js';
import { type Harness, startHarness } from '../support/harness.js';

/** Every rule of the characters API (docs/api.md) broken once: exact status and code, and nothing changes. */
describe('POST /sora/v1/characters refusals', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ ALLOW_PRIVATE_URLS: 'false', MAX_BODY_BYTES: '4096' });
  });
  afterAll(() => h.close());

  const post = (payload: unknown, headers: Record<string, string> = {}) =>
    h.app.inject({
      method: 'POST',
      url: '/sora/v1/characters',
      headers: { 'content-type': 'application/json', ...h.alice, ...headers },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });

  async function expectError(res: Awaited<ReturnType<typeof post>>, status: number, code: string, param?: string | null) {
    expect(res.statusCode, res.body).toBe(status);
    const body = res.json();
    expect(body.error.code).toBe(code);
    expect(typeof body.error.message).toBe('string');
    expect(typeof body.error.type).toBe('string');
    if (param !== undefined) expect(body.error.param).toBe(param);
    // Nothing was created, nothing was queued.
    const list = await h.app.inject({ method: 'GET', url: '/sora/v1/characters', headers: h.alice });
    expect(list.json().data).toEqual([]);
    expect(await h.rt.queue.depth()).toBe(0);
  }

  const url = 'https://videos.example.com/clip.mp4';

  it('401 invalid_api_key without a key, with a wrong key, with another scheme', async () => {
    for (const authorization of [undefined, 'Bearer nope', 'Basic c2stYWxpY2U6', 'Bearer']) {
      const res = await h.app.inject({
        method: 'POST',
        url: '/sora/v1/characters',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        payload: JSON.stringify({ url, timestamps: '1,3' }),
      });
      expect(res.statusCode).toBe(401);
      expect(res.json().error).toMatchObject({ code: 'invalid_api_key', type: 'authentication_error' });
    }
  });

  it('400 invalid_json on a malformed body', async () => {
    await expectError(await post('{"url": "x", "timestamps": '), 400, 'invalid_json');
  });

  it('413 body_too_large past MAX_BODY_BYTES', async () => {
    await expectError(await post({ url: `data:video/mp4;base64,${'A'.repeat(5000)}`, timestamps: '1,3' }), 413, 'body_too_large');
  });

  it('415 unsupported_media for a body that is not JSON', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/sora/v1/characters',
      headers: { 'content-type': 'text/plain', ...h.alice },
      payload: 'url=x',
    });
    await expectError(res, 415, 'unsupported_media');
  });

  it.each([
    ['missing', { url }],
    ['null', { url, timestamps: null }],
    ['a number', { url, timestamps: 13 }],
    ['one number', { url, timestamps: '1' }],
    ['signed', { url, timestamps: '-1,1' }],
    ['exponent', { url, timestamps: '1e0,3' }],
    ['hex', { url, timestamps: '0x1,3' }],
    ['reversed', { url, timestamps: '3,1' }],
    ['equal', { url, timestamps: '2,2' }],
    ['too short', { url, timestamps: '1,1.5' }],
    ['too long', { url, timestamps: '0,3.5' }],
    ['array of non-numeric strings', { url, timestamps: ['1', 'three'] }],
    ['array of three', { url, timestamps: [1, 2, 3] }],
    ['negative array', { url, timestamps: [-1, 1] }],
  ])('400 invalid_timestamps: %s', async (_name, body) => {
    await expectError(await post(body), 400, 'invalid_timestamps', 'timestamps');
  });

  it('400 missing_source with neither url nor from_task', async () => {
    await expectError(await post({ timestamps: '1,3' }), 400, 'missing_source');
  });

  it.each([
    ['ftp', 'ftp://example.com/a.mp4'],
    ['file', 'file:///etc/passwd'],
    ['not a url', 'clip.mp4'],
    ['javascript', 'javascript:alert(1)'],
    ['a number', 42],
  ])('400 invalid_url: %s', async (_name, u) => {
    await expectError(await post({ url: u, timestamps: '1,3' }), 400, 'invalid_url', 'url');
  });

  it.each([
    'http://127.0.0.1/a.mp4',
    'http://localhost:8080/a.mp4',
    'http://[::1]/a.mp4',
    'http://10.0.0.5/a.mp4',
    'http://169.254.169.254/latest/meta-data',
    'http://2130706433/a.mp4',
    'http://0x7f.0.0.1/a.mp4',
    'http://[::ffff:127.0.0.1]/a.mp4',
  ])('403 url_not_allowed for %s', async (u) => {
    await expectError(await post({ url: u, timestamps: '1,3' }), 403, 'url_not_allowed', 'url');
  });

  it.each([
    ['display_name empty', { url, timestamps: '1,3', display_name: '' }],
    ['display_name too long', { url, timestamps: '1,3', display_name: 'x'.repeat(81) }],
    ['visibility', { url, timestamps: '1,3', visibility: 'friends' }],
    ['username too short', { url, timestamps: '1,3', username: 'ab' }],
    ['username bad characters', { url, timestamps: '1,3', username: 'no-dashes!' }],
  ])('400 invalid_parameter: %s', async (_name, body) => {
    const res = await post(body);
    await expectError(res, 400, 'invalid_parameter');
  });

  it('404 task_not_found for an unknown from_task without a url', async () => {
    await expectError(await post({ from_task: 'video_637efe22-3b6a-47ad-ab02-ee01a686a0bd', timestamps: '1,3' }), 404, 'task_not_found', 'from_task');
  });

  it('404 task_not_found for a task of another key (as for a missing one); 409 task_not_completed for an unfinished one', async () => {
    const bobKey = await h.rt.keys.authenticate('sk-bob-test-key');
    const aliceKey = await h.rt.keys.authenticate('sk-alice-test-key');
    await h.rt.store.tasks.insert(makeTask({ id: 'video_11111111-1111-4111-8111-111111111111', keyId: bobKey.keyId, status: 'completed', videoKey: 'x' }));
    await h.rt.store.tasks.insert(makeTask({ id: 'video_22222222-2222-4222-8222-222222222222', keyId: aliceKey.keyId, status: 'in_progress' }));
    await expectError(await post({ from_task: 'video_11111111-1111-4111-8111-111111111111', timestamps: '1,3' }), 404, 'task_not_found', 'from_task');
    await expectError(await post({ from_task: 'video_22222222-2222-4222-8222-222222222222', timestamps: '1,3' }), 409, 'task_not_completed', 'from_task');
  });

  it('404 character_not_found for GET, PATCH and DELETE of an unknown character', async () => {
    for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
      const res = await h.app.inject({
        method,
        url: '/sora/v1/characters/ch_00000000000000000000000000000000',
        headers: h.alice,
        ...(method === 'PATCH' ? { payload: { display_name: 'x' } } : {}),
      });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('character_not_found');
    }
  });

  it('400 invalid_parameter for a bad list limit', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/sora/v1/characters?limit=0', headers: h.alice });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'invalid_parameter', param: 'limit' });
  });

  it('404 not_found in the envelope for an unknown route', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/nope', headers: h.alice });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
  });
});

import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { listenOnLoopback } from './loopback-client.js';

type Answer = { status: number; body: Record<string, any> };

/** One request with exactly these headers and no body bytes, over a real socket. */
function bodyless(base: string, method: string, path: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * The Python SDK sends `content-type: application/json` on calls without a body (DELETE): a
 * request is never refused for its content type when it has no body, whatever the method.
 */
describe('requests with content-type application/json and no body', () => {
  let h: Harness;
  let base: string;

  beforeAll(async () => {
    h = await startHarness();
    base = await listenOnLoopback(h);
  });
  afterAll(() => h?.close());

  const emptyJson = { 'content-type': 'application/json', 'content-length': '0' };
  const chunkedEmptyJson = { 'content-type': 'application/json', 'transfer-encoding': 'chunked' };

  async function newVideoId(): Promise<string> {
    const res = await h.app.inject({ method: 'POST', url: '/v1/videos', headers: h.alice, payload: { prompt: 'a lake' } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().id;
  }

  const via = {
    'app.inject': async (method: string, url: string, headers: Record<string, string>): Promise<Answer> => {
      const res = await h.app.inject({ method: method as 'GET', url, headers: { ...h.alice, ...headers }, payload: '' });
      return { status: res.statusCode, body: res.json() };
    },
    'HTTP, content-length: 0': (method: string, url: string) => bodyless(base, method, url, { ...h.alice, ...emptyJson }),
    'HTTP, chunked with no chunk': (method: string, url: string) => bodyless(base, method, url, { ...h.alice, ...chunkedEmptyJson }),
  };

  describe.each(Object.entries(via))('%s', (_how, send) => {
    const call = (method: string, url: string) => send(method, url, emptyJson);

    it('DELETE /v1/videos/{id}: deleted; an unknown id is 404 task_not_found', async () => {
      const id = await newVideoId();
      expect(await call('DELETE', `/v1/videos/${id}`)).toEqual({ status: 200, body: { id, object: 'video.deleted', deleted: true } });
      const unknown = await call('DELETE', `/v1/videos/${id}`);
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.code).toBe('task_not_found');
    });

    it('GET /v1/videos and GET /v1/videos/{id}: answered', async () => {
      const id = await newVideoId();
      const list = await call('GET', '/v1/videos?limit=100');
      expect(list.status).toBe(200);
      expect(list.body.data.map((v: { id: string }) => v.id)).toContain(id);
      expect((await call('GET', `/v1/videos/${id}`)).body).toMatchObject({ id, object: 'video' });
      await call('DELETE', `/v1/videos/${id}`);
    });

    it('POST /v1/videos needs its fields: 400 invalid_parameter on prompt, not invalid_json', async () => {
      const res = await call('POST', '/v1/videos');
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_parameter', param: 'prompt', type: 'invalid_request_error' });
    });

    it('POST /sora/v1/characters needs its fields: 400 invalid_timestamps on timestamps', async () => {
      const res = await call('POST', '/sora/v1/characters');
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_timestamps', param: 'timestamps' });
    });

    it('PATCH and DELETE of what does not exist: 404 for the resource, not 400 for the body; a remix without one misses its prompt', async () => {
      // The body is checked before the task is looked up, as for every route with a body schema.
      const remix = await call('POST', '/v1/videos/video_00000000-0000-4000-8000-000000000000/remix');
      expect([remix.status, remix.body.error.code, remix.body.error.param]).toEqual([400, 'invalid_parameter', 'prompt']);
      const patch = await call('PATCH', '/sora/v1/characters/ch_00000000000000000000000000000000');
      expect([patch.status, patch.body.error.code]).toEqual([404, 'character_not_found']);
      const del = await call('DELETE', '/sora/v1/characters/ch_00000000000000000000000000000000');
      expect([del.status, del.body.error.code]).toEqual([404, 'character_not_found']);
    });
  });

  it('a body that is there and not JSON is still 400 invalid_json', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/v1/videos', headers: { ...h.alice, 'content-type': 'application/json' }, payload: '{"prompt":' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_json');
  });

  it('no content-type and no body reads the same as an empty JSON body', async () => {
    const res = await bodyless(base, 'POST', '/v1/videos', { ...h.alice, 'content-length': '0' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_parameter', param: 'prompt' });
  });
});

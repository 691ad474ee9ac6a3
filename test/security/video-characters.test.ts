import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFileServer } from '../support/file-server.js';
import { type Harness, startHarness } from '../support/harness.js';
import { makeVideo } from '../support/videos.js';

/** `characters[]` of POST /v1/videos: duplicates are dropped before any lookup, and the list is short. */
describe('POST /v1/videos characters[]', () => {
  let h: Harness;
  let files: Awaited<ReturnType<typeof startFileServer>>;
  let a: { id: string; username: string };
  let b: { id: string; username: string };

  beforeAll(async () => {
    files = await startFileServer({ 'clip.mp4': { path: await makeVideo({ durationSec: 4, width: 320, height: 180 }), type: 'video/mp4' } });
    h = await startHarness();
    const make = async () => {
      const res = await h.app.inject({
        method: 'POST',
        url: '/sora/v1/characters',
        headers: h.alice,
        payload: { url: files.url('clip.mp4'), timestamps: '1,3' },
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };
    a = await make();
    b = await make();
    // Tasks are only queued from here on: no render runs (or looks characters up) beside the requests.
    await h.rt.queue.stop();
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await h?.close();
    await files?.close();
  });

  const create = (characters: unknown[]) => h.app.inject({ method: 'POST', url: '/v1/videos', headers: h.alice, payload: { prompt: 'a walk', characters } });

  it('[{id: A} x3] is one lookup and one character', async () => {
    const byUsername = vi.spyOn(h.rt.store.characters, 'getByUsername');
    const res = await create([a.username, a.username, a.username]);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().characters).toEqual([{ id: a.id, username: a.username }]);
    expect(byUsername.mock.calls.filter(([u]) => u === a.username)).toHaveLength(1);
    byUsername.mockRestore();

    const byId = vi.spyOn(h.rt.store.characters, 'get');
    const before = await create([{ id: a.id }]);
    expect(before.statusCode, before.body).toBe(200);
    const single = byId.mock.calls.filter(([id]) => id === a.id).length;
    byId.mockClear();
    const tripled = await create([{ id: a.id }, { id: a.id }, { id: a.id }]);
    expect(tripled.statusCode, tripled.body).toBe(200);
    expect(tripled.json().characters).toEqual([{ id: a.id, username: a.username }]);
    // The same lookups as for one entry (the resolve, then the answer's view).
    expect(byId.mock.calls.filter(([id]) => id === a.id)).toHaveLength(single);
    byId.mockRestore();
  });

  it('duplicates count once against the limit of 2 characters', async () => {
    const res = await create([{ id: a.id }, { id: b.id }, { id: a.id }, { id: b.id }]);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().characters.map((c: { id: string }) => c.id)).toEqual([a.id, b.id]);
  });

  it.each([5, 8, 100])('400 invalid_parameter (param characters) for %i entries, before any lookup', async (n) => {
    const unknown = `ch_${String(n).padStart(32, '0')}`;
    const get = vi.spyOn(h.rt.store.characters, 'get');
    const res = await create(Array.from({ length: n }, () => ({ id: unknown })));
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'invalid_parameter', param: 'characters', type: 'invalid_request_error' });
    expect(get).not.toHaveBeenCalled();
    get.mockRestore();
  });

  it('400 invalid_parameter (param characters) for 5 entries in a multipart form too', async () => {
    const form = new FormData();
    form.append('prompt', 'a walk');
    for (let i = 0; i < 5; i++) form.append(`characters[${i}][id]`, a.id);
    const body = new Response(form);
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/videos',
      headers: { ...h.alice, 'content-type': body.headers.get('content-type')! },
      payload: Buffer.from(await body.arrayBuffer()),
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'invalid_parameter', param: 'characters' });
  });
});

import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTask } from '../records/store-contract.js';
import { startFileServer } from '../support/file-server.js';
import { type Harness, startHarness } from '../support/harness.js';
import { makeVideo } from '../support/videos.js';

/** Relay clients as they are: the seed's own request shapes and the web's conventions. */
describe('relay clients as they are', () => {
  let h: Harness;
  let files: Awaited<ReturnType<typeof startFileServer>>;
  let url: string;
  const bobTask = 'video_11111111-1111-4111-8111-111111111111';
  const aliceRunning = 'video_22222222-2222-4222-8222-222222222222';

  beforeAll(async () => {
    files = await startFileServer({ 'clip.mp4': { path: await makeVideo({ durationSec: 4, width: 320, height: 180 }), type: 'video/mp4' } });
    url = files.url('clip.mp4');
    h = await startHarness();
    const bob = await h.rt.keys.authenticate('sk-bob-test-key');
    const alice = await h.rt.keys.authenticate('sk-alice-test-key');
    await h.rt.store.tasks.insert(makeTask({ id: bobTask, keyId: bob.keyId, status: 'completed', videoKey: 'x', durationSec: 4 }));
    await h.rt.store.tasks.insert(makeTask({ id: aliceRunning, keyId: alice.keyId, status: 'in_progress' }));
  });
  afterAll(async () => {
    await h?.close();
    await files?.close();
  });

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    h.app.inject({
      method: 'POST',
      url: '/sora/v1/characters',
      headers: { 'content-type': 'application/json', ...h.alice, ...headers },
      payload: JSON.stringify(body),
    });

  it("the seed's example: a placeholder from_task beside a url makes the character from the url", async () => {
    const res = await post({ url, timestamps: '1,3', from_task: 'video_637efe22-3b6a-47ad-ab02-ee01a686a0bd' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ready', source: { type: 'url', url } });
  });

  it("another key's task beside a url is treated exactly as a missing one", async () => {
    const res = await post({ url, timestamps: '1,3', from_task: bobTask });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().source).toEqual({ type: 'url', url });
  });

  it("without a url, another key's task answers as a missing one: 404 task_not_found", async () => {
    const missing = await post({ timestamps: '1,3', from_task: 'video_33333333-3333-4333-8333-333333333333' });
    const others = await post({ timestamps: '1,3', from_task: bobTask });
    for (const res of [missing, others]) {
      expect(res.statusCode).toBe(404);
      expect(res.json().error).toMatchObject({ code: 'task_not_found', param: 'from_task', type: 'not_found_error' });
    }
    expect(others.json().error.message.replace(bobTask, 'ID')).toBe(missing.json().error.message.replace(/video_3+-3+-43+-83+-3+/, 'ID'));
  });

  it("this key's unfinished task still refuses, url or not: 409 task_not_completed", async () => {
    for (const body of [
      { timestamps: '1,3', from_task: aliceRunning },
      { url, timestamps: '1,3', from_task: aliceRunning },
    ]) {
      const res = await post(body);
      expect(res.statusCode).toBe(409);
      expect(res.json().error).toMatchObject({ code: 'task_not_completed', param: 'from_task' });
    }
  });

  it('timestamps as an array of numeric strings', async () => {
    const res = await post({ url, timestamps: ['1', '3'] });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().timestamps).toBe('1,3');
    for (const bad of [
      ['1', 'x'],
      ['-1', '1'],
      ['1e0', '3'],
      ['1', '3', '4'],
      ['0x1', '3'],
    ]) {
      const r = await post({ url, timestamps: bad });
      expect(r.statusCode, JSON.stringify(bad)).toBe(400);
      expect(r.json().error).toMatchObject({ code: 'invalid_timestamps', param: 'timestamps' });
    }
  });

  it('a missing timestamps says that it is required', async () => {
    const res = await post({ url });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'invalid_timestamps', param: 'timestamps' });
    expect(res.json().error.message).toMatch(/required/);
  });

  it("username may be sent as the full owner.handle the API returns, when the owner is the key's own", async () => {
    const first = (await post({ url, timestamps: '1,3', username: 'fullname_one' })).json();
    const owner = first.username.split('.')[0];
    const res = await post({ url, timestamps: '1,3', username: `${owner}.fullname_two` });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().username).toBe(`${owner}.fullname_two`);
    const again = await post({ url, timestamps: '1,3', username: `${owner.toUpperCase()}.FULLNAME_TWO` });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('username_taken');
    const foreign = await post({ url, timestamps: '1,3', username: 'zzzzzzzzz.fullname_three' });
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json().error).toMatchObject({ code: 'invalid_parameter', param: 'username' });
  });

  it('a data: URL with surrounding whitespace is still an inline source', async () => {
    const bytes = await readFile(await makeVideo({ durationSec: 4, width: 320, height: 180 }));
    const res = await post({ url: `  data:video/mp4;base64,${bytes.toString('base64')}\n`, timestamps: '1,3' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ready', source: { type: 'url', url: 'data:video/mp4' } });
  });

  it('model accepts any string and echoes it', async () => {
    for (const model of ['sora-2-character', 'sora-character', 'dall-e', 'sora-2']) {
      const res = await post({ url, timestamps: '1,3', model });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().model).toBe(model);
    }
  });

  it('Prefer: respond-async answers 202 with Location and Retry-After', async () => {
    const res = await post({ url, timestamps: '1,3' }, { prefer: 'respond-async' });
    expect(res.statusCode).toBe(202);
    const id = res.json().id;
    expect(res.headers.location).toBe(`/sora/v1/characters/${id}`);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.headers['preference-applied']).toBe('respond-async');
    const polled = await h.app.inject({ method: 'GET', url: res.headers.location as string, headers: h.alice });
    expect(polled.statusCode).toBe(200);
    expect(polled.json().id).toBe(id);
  });

  it('a synchronous failure names the field of the source: url, or from_task', async () => {
    const missing = await post({ url: files.url('missing.mp4'), timestamps: '1,3' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error).toMatchObject({ code: 'invalid_url', param: 'url' });
    const refused = await post({ url: 'http://127.0.0.1:1/nothing-listens.mp4', timestamps: '1,3' });
    expect(refused.statusCode).toBe(502);
    expect(refused.json().error).toMatchObject({ code: 'source_unreachable', param: 'url' });
    const tooShort = await post({ url, timestamps: '5,7' });
    expect(tooShort.json().error).toMatchObject({ code: 'timestamps_out_of_range', param: 'timestamps' });
  });

  it('a synchronous create that outlasts SYNC_WAIT_MS answers 202 with Location, without Preference-Applied', async () => {
    const slow = await startHarness({ SYNC_WAIT_MS: '1' });
    try {
      const res = await slow.app.inject({
        method: 'POST',
        url: '/sora/v1/characters',
        headers: { 'content-type': 'application/json', ...slow.alice },
        payload: JSON.stringify({ url, timestamps: '1,3' }),
      });
      expect(res.statusCode).toBe(202);
      expect(res.headers.location).toBe(`/sora/v1/characters/${res.json().id}`);
      expect(res.headers['preference-applied']).toBeUndefined();
    } finally {
      await slow.close();
    }
  });

  it('/openapi.json lists every route, the pages and files included', async () => {
    const doc = (await h.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    const listed = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(listed).toEqual(
      expect.arrayContaining([
        'POST /sora/v1/characters',
        'GET /sora/v1/characters',
        'GET /sora/v1/characters/{id}',
        'PATCH /sora/v1/characters/{id}',
        'DELETE /sora/v1/characters/{id}',
        'GET /profile/{username}',
        'GET /files/{*}',
        'POST /v1/videos',
        'GET /v1/videos',
        'GET /v1/videos/{id}',
        'DELETE /v1/videos/{id}',
        'GET /v1/videos/{id}/content',
        'POST /v1/videos/{id}/remix',
        'POST /v1/videos/characters',
        'GET /v1/videos/characters/{id}',
        'GET /v1/models',
        'GET /healthz',
        'GET /readyz',
        'GET /metrics',
        'GET /openapi.json',
      ]),
    );
    // The pages and files need no key.
    expect(doc.paths['/profile/{username}'].get.security).toEqual([]);
    expect(doc.paths['/healthz'].get.security).toEqual([]);
  });
});

import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFileServer } from '../support/file-server.js';
import { type Harness, startHarness } from '../support/harness.js';
import { makeImage, makeVideo } from '../support/videos.js';

/** Limits and settings: each one broken once, with the exact status and code. */
describe('limits and settings', () => {
  let h: Harness | undefined;
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    await h?.close();
    h = undefined;
    for (const c of closers.splice(0)) await c();
  });

  const post = (body: object, headers: Record<string, string> = {}) =>
    h!.app.inject({ method: 'POST', url: '/sora/v1/characters', headers: { ...h!.alice, ...headers }, payload: body });

  it('413 source_too_large while streaming past MAX_SOURCE_BYTES', async () => {
    const files = await startFileServer({ 'v.mp4': { path: await makeVideo({ durationSec: 3, width: 640, height: 360 }), type: 'video/mp4' } });
    closers.push(files.close);
    h = await startHarness({ MAX_SOURCE_BYTES: '2000' });
    const res = await post({ url: files.url('v.mp4'), timestamps: '0,1' });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('source_too_large');
  });

  it('504 source_timeout when the source stalls past DOWNLOAD_TIMEOUT_MS', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4' });
      res.write(Buffer.alloc(100));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    closers.push(
      () =>
        new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
    );
    h = await startHarness({ DOWNLOAD_TIMEOUT_MS: '500' });
    const res = await post({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slow.mp4`, timestamps: '0,1' });
    expect(res.statusCode).toBe(504);
    expect(res.json().error.code).toBe('source_timeout');
  });

  it('429 rate_limit_exceeded past RATE_LIMIT_PER_MINUTE, per key', async () => {
    h = await startHarness({ RATE_LIMIT_PER_MINUTE: '3' });
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) {
      codes.push((await h.app.inject({ method: 'GET', url: '/sora/v1/characters', headers: h.alice })).statusCode);
    }
    expect(codes).toEqual([200, 200, 200, 429]);
    const limited = await h.app.inject({ method: 'GET', url: '/sora/v1/characters', headers: h.alice });
    expect(limited.json().error).toMatchObject({ code: 'rate_limit_exceeded', type: 'rate_limit_error' });
    expect(limited.headers['retry-after']).toBeDefined();
    // Another key has its own budget.
    expect((await h.app.inject({ method: 'GET', url: '/sora/v1/characters', headers: h.bob })).statusCode).toBe(200);
  });

  it('429 queue_full with Retry-After when MAX_QUEUED_JOBS are waiting', async () => {
    h = await startHarness({ MAX_QUEUED_JOBS: '1' });
    await h.rt.queue.stop();
    await h.rt.store.jobs.enqueue({ id: 'job_blocker', type: 'character.create', payload: { characterId: 'ch_none' } });
    const res = await post({ url: 'https://videos.example.com/a.mp4', timestamps: '0,1' });
    expect(res.statusCode).toBe(429);
    expect(res.json().error.code).toBe('queue_full');
    expect(res.headers['retry-after']).toBe('10');
  });

  it('a video refused with queue_full leaves no input reference behind', async () => {
    h = await startHarness({ MAX_QUEUED_JOBS: '1' });
    await h.rt.queue.stop();
    await h.rt.store.jobs.enqueue({ id: 'job_blocker', type: 'video.render', payload: { taskId: 'video_none' } });
    const png = (await readFile(await makeImage())).toString('base64');
    const res = await h.app.inject({
      method: 'POST',
      url: '/v1/videos',
      headers: { ...h.alice, 'content-type': 'application/json' },
      payload: JSON.stringify({ prompt: 'a still', input_reference: { image_url: `data:image/png;base64,${png}` } }),
    });
    expect(res.statusCode).toBe(429);
    expect(res.json().error.code).toBe('queue_full');
    expect(await readdir(join(h.dataDir, 'media', 'videos')).catch(() => [])).toEqual([]);
  });

  it('PROFILE_PAGES=public shows only public characters; off shows none', async () => {
    const files = await startFileServer({ 'v.mp4': { path: await makeVideo({ durationSec: 2 }), type: 'video/mp4' } });
    closers.push(files.close);
    h = await startHarness({ PROFILE_PAGES: 'public' });
    const priv = (await post({ url: files.url('v.mp4'), timestamps: '0,1' })).json();
    const pub = (await post({ url: files.url('v.mp4'), timestamps: '0,1', visibility: 'public' })).json();
    expect((await h.app.inject({ method: 'GET', url: `/profile/${priv.username}` })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: `/profile/${pub.username}` })).statusCode).toBe(200);
    await h.close();
    h = await startHarness({ PROFILE_PAGES: 'off' });
    expect((await h.app.inject({ method: 'GET', url: `/profile/${pub.username}` })).statusCode).toBe(404);
  });
});

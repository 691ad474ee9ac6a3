import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEvent } from '../../src/webhooks/event.js';
import { createWorkerHttpApp } from '../../src/wiring.js';
import { startFileServer } from '../support/file-server.js';
import { type Harness, startHarness } from '../support/harness.js';
import { makeHtml, makeVideo } from '../support/videos.js';

const sample = (body: string, name: string): number | undefined => {
  const line = body.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
};

/** /metrics: characters made and failed, jobs by type and state, queue latency; /readyz by dependency. */
describe('work metrics and readiness', () => {
  let h: Harness;
  let files: Awaited<ReturnType<typeof startFileServer>>;

  beforeAll(async () => {
    files = await startFileServer({
      'plain.mp4': { path: await makeVideo({ durationSec: 3, width: 320, height: 180 }), type: 'video/mp4' },
      'page.html': { path: await makeHtml(), type: 'text/html' },
    });
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
    await files?.close();
  });

  const metrics = async () => (await h.app.inject({ method: 'GET', url: '/metrics' })).body;

  it('counts characters made and failed, and the latency of the jobs that made them', async () => {
    const before = await metrics();
    expect(sample(before, 'sora_characters_characters_made_total')).toBe(0);
    expect(sample(before, 'sora_characters_characters_failed_total')).toBe(0);

    const ok = await h.app.inject({
      method: 'POST',
      url: '/sora/v1/characters',
      headers: h.alice,
      payload: { url: files.url('plain.mp4'), timestamps: '0,1' },
    });
    expect(ok.statusCode).toBe(200);
    const bad = await h.app.inject({
      method: 'POST',
      url: '/sora/v1/characters',
      headers: { ...h.alice, prefer: 'respond-async' },
      payload: { url: files.url('page.html'), timestamps: '0,1' },
    });
    expect(bad.statusCode).toBe(202);
    await expect
      .poll(async () => (await h.app.inject({ method: 'GET', url: `/sora/v1/characters/${bad.json().id}`, headers: h.alice })).json().status, {
        timeout: 30_000,
      })
      .toBe('failed');

    await expect.poll(async () => sample(await metrics(), 'sora_characters_characters_failed_total'), { timeout: 10_000 }).toBe(1);
    const after = await metrics();
    expect(sample(after, 'sora_characters_characters_made_total')).toBe(1);
    expect(sample(after, 'sora_characters_job_queue_latency_seconds_count{type="character.create"}')).toBe(2);
    expect(after).toContain('# TYPE sora_characters_job_queue_latency_seconds histogram');
  });

  it('reports jobs by type and state', async () => {
    await h.rt.queue.enqueue('webhook.deliver', { event: buildEvent('video.completed', 'video_later') }, { runAfter: Date.now() + 3_600_000 });
    const body = await metrics();
    expect(body).toContain('# TYPE sora_characters_jobs gauge');
    expect(sample(body, 'sora_characters_jobs{type="webhook.deliver",state="queued"}')).toBe(1);
    expect(sample(body, 'sora_characters_jobs{type="character.create",state="queued"}')).toBeUndefined();
  });
});

describe('readiness with the queue unreachable (QUEUE_URL to a closed port)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ QUEUE_URL: 'redis://127.0.0.1:1', SHUTDOWN_GRACE_MS: '0' });
  });
  afterAll(() => h?.close());

  it('/readyz is 503 and names the queue; the store and storage still answer ok; /metrics still answers', async () => {
    const ready = await h.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ status: 'unavailable', checks: { store: 'ok', storage: 'ok', queue: 'unreachable' } });
    const m = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(m.statusCode).toBe(200);
    expect(m.body).not.toContain('sora_characters_jobs{');
  });
});

describe("the worker's listener", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ METRICS_TOKEN: 'worker-metrics-token-0123456789' });
  });
  afterAll(() => h?.close());

  it('answers /healthz, /readyz and /metrics (behind METRICS_TOKEN), and no API route', async () => {
    const app = await createWorkerHttpApp(h.rt);
    try {
      expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
      expect((await app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ok', checks: { store: 'ok', storage: 'ok', queue: 'ok' } });
      const refused = await app.inject({ method: 'GET', url: '/metrics' });
      expect(refused.statusCode).toBe(401);
      expect(refused.json().error.code).toBe('invalid_api_key');
      const m = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer worker-metrics-token-0123456789' } });
      expect(m.statusCode).toBe(200);
      expect(m.body).toContain('sora_characters_characters_made_total');
      expect(m.body).toContain('sora_characters_queue_depth');
      const api = await app.inject({ method: 'GET', url: '/sora/v1/characters', headers: h.alice });
      expect(api.statusCode).toBe(404);
      expect(api.json().error.code).toBe('not_found');
    } finally {
      await app.close();
    }
  });
});

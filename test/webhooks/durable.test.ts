import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createInProcessQueue } from '../../src/jobs/inprocess/inprocess-queue.js';
import type { JobContext } from '../../src/jobs/ports.js';
import { createKyselyStore } from '../../src/records/kysely/index.js';
import type { JobRepo } from '../../src/records/ports.js';
import { createWebhookDeliveryHandler } from '../../src/webhooks/delivery-handler.js';
import { type DeliveryQueue, deliveryJobId, WEBHOOK_DELIVER_JOB, type WebhookDeliveryPayload } from '../../src/webhooks/delivery-queue.js';
import { createQueuedWebhookNotifier } from '../../src/webhooks/webhook-notifier.js';
import { jobMap } from '../support/job-map.js';
import { SECRET, startReceiver, status } from './support.js';

/** Deliveries as rows of the store's jobs table (what JobQueue.enqueue with runAfter will do). */
const repoQueue = (jobs: JobRepo): DeliveryQueue => ({
  enqueue: (payload, opts) => jobs.enqueue({ id: opts.id, type: WEBHOOK_DELIVER_JOB, payload, runAfter: opts.runAfter }),
});

const dir = mkdtempSync(join(tmpdir(), 'webhooks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

describe('webhook deliveries on the durable store (sqlite)', () => {
  it('a scheduled retry survives a restart', async () => {
    const codes = [500, 200];
    const r = await startReceiver(SECRET, (n, res) => status(codes[n]!)(res));
    closers.push(r.close);
    const url = `sqlite:${join(dir, 'restart.db')}`;

    let store = await createKyselyStore(url);
    const t0 = Date.now();
    await createQueuedWebhookNotifier({ queue: repoQueue(store.jobs) }).notify('video.completed', 'video_9');
    const first = await store.jobs.claim('w1', [WEBHOOK_DELIVER_JOB], Date.now());
    expect(first).toMatchObject({ id: deliveryJobId('video.completed', 'video_9', 1), payload: { attempt: 1 } });
    const handler = (jobs: JobRepo) => createWebhookDeliveryHandler({ url: r.url, secret: SECRET, schedule: repoQueue(jobs), random: () => 0.5 });
    await handler(store.jobs)(first!.payload as WebhookDeliveryPayload, { attempt: 1, maxAttempts: 3 });
    await store.jobs.complete(first!.id);
    // The retry waits about 5 s: nothing is due now.
    expect(await store.jobs.claim('w1', [WEBHOOK_DELIVER_JOB], Date.now())).toBeNull();
    await store.close();

    store = await createKyselyStore(url); // the restart
    closers.push(() => store.close());
    expect(await store.jobs.countQueued()).toBe(1);
    const second = await store.jobs.claim('w2', [WEBHOOK_DELIVER_JOB], t0 + 10_000);
    expect(second).toMatchObject({ id: deliveryJobId('video.completed', 'video_9', 2), payload: { attempt: 2 } });
    expect(second!.runAfter - t0).toBeGreaterThanOrEqual(5_000);
    expect(second!.runAfter - t0).toBeLessThan(7_000);
    await handler(store.jobs)(second!.payload as WebhookDeliveryPayload, { attempt: 1, maxAttempts: 3 });
    await store.jobs.complete(second!.id);

    const got = r.verified();
    expect(got).toHaveLength(2);
    expect(got[0]!.event).toEqual(got[1]!.event);
    expect(await store.jobs.countQueued()).toBe(0);
  });

  it('runs on the in-process queue: a hanging receiver holds no worker beyond its timeout', async () => {
    const codes = [500, 500, 200];
    const hung = await startReceiver(SECRET, () => {});
    const r = await startReceiver(SECRET, (n, res) => status(codes[n]!)(res));
    closers.push(r.close, hung.close);
    const store = await createKyselyStore(`sqlite:${join(dir, 'queue.db')}`);
    const queue = createInProcessQueue(store.jobs, { concurrency: 1, maxAttempts: 3, exclusive: true, pollMs: 20 });
    closers.push(
      () => store.close(),
      () => queue.stop(1_000),
    );
    // Each URL gets its own handler; the clock is an hour behind so that retries are due at once.
    const schedule = repoQueue(store.jobs);
    const common = { secret: SECRET, schedule, now: () => Date.now() - 3_600_000, timeoutMs: 300 };
    const good = createWebhookDeliveryHandler({ ...common, url: r.url });
    const bad = createWebhookDeliveryHandler({ ...common, url: hung.url, maxAttempts: 2 });
    await queue.start(
      jobMap({ [WEBHOOK_DELIVER_JOB]: (p: WebhookDeliveryPayload, ctx: JobContext) => (p.event.data.id.startsWith('hung') ? bad : good)(p, ctx) }),
    );

    const notifier = createQueuedWebhookNotifier({ queue: schedule });
    const t0 = performance.now();
    await notifier.notify('video.failed', 'hung_1');
    await notifier.notify('video.completed', 'video_ok');
    expect(performance.now() - t0).toBeLessThan(200);

    await expect.poll(() => r.verified().length, { timeout: 10_000 }).toBe(3);
    await expect.poll(() => store.jobs.countQueued(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => hung.verified().length, { timeout: 10_000 }).toBe(2); // twice, then given up
    await expect.poll(async () => (await store.jobs.get(deliveryJobId('video.failed', 'hung_1', 2)))?.state, { timeout: 10_000 }).toBe('done');
    expect(await store.jobs.get(deliveryJobId('video.failed', 'hung_1', 3))).toBeNull();
    await expect.poll(async () => (await store.jobs.get(deliveryJobId('video.completed', 'video_ok', 3)))?.state, { timeout: 10_000 }).toBe('done');
  });
});

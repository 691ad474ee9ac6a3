import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_WEBHOOK_ATTEMPTS, WEBHOOK_BACKOFF_MS } from '../../src/webhooks/backoff.js';
import { createWebhookDeliveryHandler, createWebhookDeliveryJob, type WebhookDeliveryHandlerDeps } from '../../src/webhooks/delivery-handler.js';
import { deliveryJobId } from '../../src/webhooks/delivery-queue.js';
import { buildEvent } from '../../src/webhooks/event.js';
import { createQueuedWebhookNotifier } from '../../src/webhooks/webhook-notifier.js';
import { deadPort, fakeClock, MemoryDeliveryQueue, memoryLog, SECRET, startReceiver, status } from './support.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});
async function receiver(...args: Parameters<typeof startReceiver>) {
  const r = await startReceiver(...args);
  closers.push(r.close);
  return r;
}

/** Notifies once, then runs every scheduled attempt in order, jumping the clock to each. */
async function drive(url: string, extra: Partial<WebhookDeliveryHandlerDeps> = {}) {
  const clock = fakeClock();
  const queue = new MemoryDeliveryQueue(clock.now);
  const log = memoryLog();
  const gaveUp: { attempts: number; reason: string }[] = [];
  const handler = createWebhookDeliveryHandler({
    url,
    secret: SECRET,
    schedule: queue,
    log,
    now: clock.now,
    random: () => 0.5,
    onGiveUp: (_e, info) => gaveUp.push(info),
    ...extra,
  });
  const notifier = createQueuedWebhookNotifier({ queue, now: clock.now });
  await notifier.notify('video.completed', 'video_1');
  const runs: { at: number; attempt: number }[] = [];
  for (let item = queue.take(); item; item = queue.take()) {
    if (item.runAfter !== undefined) clock.set(item.runAfter);
    runs.push({ at: clock.now(), attempt: item.payload.attempt ?? 1 });
    await handler(item.payload, { attempt: 1, maxAttempts: 3, signal: new AbortController().signal });
  }
  const delays = queue.all.slice(1).map((s) => s.runAfter! - s.enqueuedAt);
  return { queue, log, gaveUp, runs, delays };
}

describe('webhook delivery handler', () => {
  it('500, 500, then 200: retries with growing delays, same event, then succeeds', async () => {
    const codes = [500, 500, 200];
    const r = await receiver(SECRET, (n, res) => status(codes[n]!)(res));
    const { queue, log, gaveUp, runs, delays } = await drive(r.url);
    expect(runs.map((x) => x.attempt)).toEqual([1, 2, 3]);
    expect(delays).toEqual([5_000, 30_000]);
    expect(queue.all.map((s) => s.id)).toEqual([1, 2, 3].map((a) => deliveryJobId('video.completed', 'video_1', a)));
    const got = r.verified();
    expect(got).toHaveLength(3);
    expect(new Set(got.map((g) => g.headers['webhook-id'])).size).toBe(1);
    expect(got.every((g) => g.event!.type === 'video.completed' && g.event!.data.id === 'video_1')).toBe(true);
    expect(gaveUp).toEqual([]);
    expect(log.lines.map((l) => l.msg)).toEqual(['webhook delivery failed; retry scheduled', 'webhook delivery failed; retry scheduled', 'webhook delivered']);
  });

  it('410 stops retries at once', async () => {
    const r = await receiver(SECRET, (_n, res) => status(410)(res));
    const { queue, gaveUp, log } = await drive(r.url);
    expect(r.verified()).toHaveLength(1);
    expect(queue.all).toHaveLength(1);
    expect(gaveUp).toEqual([{ attempts: 1, reason: 'HTTP 410' }]);
    expect(log.lines.at(-1)).toMatchObject({ level: 'error', msg: 'webhook refused by the receiver; not retried' });
  });

  it('a dead port is retried', async () => {
    const port = await deadPort();
    const { runs, gaveUp } = await drive(`http://127.0.0.1:${port}/`, { maxAttempts: 3 });
    expect(runs).toHaveLength(3);
    expect(gaveUp).toEqual([{ attempts: 3, reason: expect.stringContaining('ECONNREFUSED') }]);
  });

  it('after the last attempt it gives up and logs, about a day after the first', async () => {
    const r = await receiver(SECRET, (_n, res) => status(503)(res));
    const { runs, delays, gaveUp, log } = await drive(r.url);
    expect(runs).toHaveLength(MAX_WEBHOOK_ATTEMPTS);
    expect(r.verified()).toHaveLength(MAX_WEBHOOK_ATTEMPTS);
    expect(delays).toEqual(WEBHOOK_BACKOFF_MS);
    const span = (runs.at(-1)!.at - runs[0]!.at) / 3_600_000;
    expect(span).toBeGreaterThan(20);
    expect(span).toBeLessThan(26);
    expect(gaveUp).toEqual([{ attempts: MAX_WEBHOOK_ATTEMPTS, reason: 'HTTP 503' }]);
    expect(log.lines.at(-1)).toMatchObject({
      level: 'error',
      msg: 'webhook delivery given up after the last attempt',
      obj: expect.objectContaining({ attempts: MAX_WEBHOOK_ATTEMPTS, dataId: 'video_1' }),
    });
  });

  it('honours a longer Retry-After', async () => {
    const r = await receiver(SECRET, (n, res) => {
      if (n > 0) return status(200)(res);
      res.writeHead(429, { 'retry-after': '90' });
      res.end();
    });
    const { delays } = await drive(r.url);
    expect(delays).toEqual([90_000]);
  });

  it('a slow receiver times out and is retried, while notify() returns at once', async () => {
    const r = await receiver(SECRET, () => {}); // never answers
    const queue = new MemoryDeliveryQueue();
    const handler = createWebhookDeliveryHandler({ url: r.url, secret: SECRET, schedule: queue, timeoutMs: 400 });
    const notifier = createQueuedWebhookNotifier({ queue });
    // A worker that runs jobs in the background, as the durable queue does.
    const runs: Promise<void>[] = [];
    const enqueue = queue.enqueue.bind(queue);
    queue.enqueue = async (p, o) => {
      await enqueue(p, o);
      if ((p.attempt ?? 1) === 1) runs.push(handler(queue.take()!.payload));
    };
    const t0 = performance.now();
    await notifier.notify('character.failed', 'ch_1');
    await notifier.notify('character.completed', 'ch_2');
    expect(performance.now() - t0).toBeLessThan(100);
    await Promise.all(runs);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(390);
    expect(r.verified()).toHaveLength(2);
    expect(
      queue.all
        .filter((s) => s.payload.attempt === 2)
        .map((s) => s.payload.event.data.id)
        .sort(),
    ).toEqual(['ch_1', 'ch_2']);
  });

  it('a worker shutting down mid-attempt throws, leaving the job to the queue', async () => {
    const r = await receiver(SECRET, () => {});
    const queue = new MemoryDeliveryQueue();
    const handler = createWebhookDeliveryHandler({ url: r.url, secret: SECRET, schedule: queue });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    await expect(handler({ event: buildEvent('video.failed', 'v') }, { signal: ac.signal })).rejects.toThrow(/interrupted/);
    expect(queue.all).toHaveLength(0);
  });

  it('a job the queue gave up (it kept dying) is not redone but moved to a later attempt', async () => {
    const deliver = vi.fn();
    const queue = new MemoryDeliveryQueue();
    const job = createWebhookDeliveryJob({ url: 'http://127.0.0.1:1/', secret: SECRET, schedule: queue, deliver });
    const event = buildEvent('video.failed', 'v');
    await job.onExhausted({ event, attempt: 2 }, new Error('the job was interrupted 3 times'));
    expect(deliver).not.toHaveBeenCalled();
    expect(queue.all).toMatchObject([{ payload: { event, attempt: 3 } }]);
  });

  it('a job the queue gave up on its last delivery attempt is given up, not rescheduled', async () => {
    const deliver = vi.fn();
    const queue = new MemoryDeliveryQueue();
    const gaveUp: unknown[] = [];
    const job = createWebhookDeliveryJob({
      url: 'http://127.0.0.1:1/',
      secret: SECRET,
      schedule: queue,
      deliver,
      maxAttempts: 2,
      onGiveUp: (_e, info) => gaveUp.push(info),
    });
    await job.onExhausted({ event: buildEvent('video.failed', 'v'), attempt: 2 }, new Error('boom'));
    expect(deliver).not.toHaveBeenCalled();
    expect(queue.all).toHaveLength(0);
    expect(gaveUp).toEqual([{ attempts: 2, reason: 'job gave up: boom' }]);
  });

  it('scheduling the same next attempt twice (a re-run job) keeps one', async () => {
    const queue = new MemoryDeliveryQueue();
    const deliver = vi.fn(async () => ({ ok: false as const, retryable: true, reason: 'HTTP 500' }));
    const handler = createWebhookDeliveryHandler({ url: 'http://x/', secret: SECRET, schedule: queue, deliver });
    const event = buildEvent('video.failed', 'v');
    await handler({ event });
    await handler({ event });
    expect(queue.all).toHaveLength(1);
  });
});

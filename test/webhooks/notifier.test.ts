import { describe, expect, it } from 'vitest';
import type { JobContext, JobQueue } from '../../src/jobs/ports.js';
import { createWebhookDeliveryHandler } from '../../src/webhooks/delivery-handler.js';
import { deliveryJobId, jobQueueDeliveryQueue, type WebhookDeliveryPayload, type WebhookJobEnqueuer } from '../../src/webhooks/delivery-queue.js';
import { createWebhookNotifier, noopWebhookNotifier } from '../../src/webhooks/webhook-notifier.js';
import { MemoryDeliveryQueue, memoryLog, SECRET } from './support.js';

describe('webhook notifier', () => {
  it('is a no-op without WEBHOOK_URL, and refuses a URL without a secret', async () => {
    const queue = new MemoryDeliveryQueue();
    const n = createWebhookNotifier({ url: null, secret: SECRET, queue });
    expect(n).toBe(noopWebhookNotifier);
    await n.notify('video.completed', 'video_1');
    expect(queue.all).toHaveLength(0);
    expect(() => createWebhookNotifier({ url: 'http://x/', secret: null, queue })).toThrow(/WEBHOOK_SECRET/);
  });

  it('records one first attempt per settlement, due now', async () => {
    const queue = new MemoryDeliveryQueue();
    const n = createWebhookNotifier({ url: 'http://x/', secret: SECRET, queue, now: () => 1_700_000_000_000 });
    await n.notify('character.completed', 'ch_1');
    await n.notify('character.completed', 'ch_1'); // the job resumed after a crash: no second event
    await n.notify('character.failed', 'ch_2');
    expect(queue.all).toEqual([
      {
        id: deliveryJobId('character.completed', 'ch_1', 1),
        payload: {
          attempt: 1,
          event: {
            id: expect.stringMatching(/^evt_[0-9a-f]{32}$/),
            object: 'event',
            created_at: 1_700_000_000,
            type: 'character.completed',
            data: { id: 'ch_1' },
          },
        },
        runAfter: undefined,
        enqueuedAt: expect.any(Number),
      },
      expect.objectContaining({ id: deliveryJobId('character.failed', 'ch_2', 1) }),
    ]);
  });

  it('never rejects: a store failure is logged', async () => {
    const log = memoryLog();
    const n = createWebhookNotifier({
      url: 'http://x/',
      secret: SECRET,
      log,
      queue: {
        enqueue: async () => {
          throw new Error('db down');
        },
      },
    });
    await expect(n.notify('video.failed', 'video_1')).resolves.toBeUndefined();
    expect(log.lines).toMatchObject([{ level: 'error', msg: 'could not record a webhook event' }]);
  });

  it("the handler fits JobHandler<'webhook.deliver'>, and drops deliveries once webhooks are off", async () => {
    const log = memoryLog();
    const queue = new MemoryDeliveryQueue();
    const h: (p: WebhookDeliveryPayload, ctx: JobContext) => Promise<void> = createWebhookDeliveryHandler({
      url: null,
      secret: null,
      schedule: queue,
      log,
    });
    const event = { id: 'evt_1', object: 'event' as const, created_at: 1, type: 'video.failed' as const, data: { id: 'v' } };
    await h({ event }, { attempt: 1, maxAttempts: 3, signal: new AbortController().signal });
    expect(queue.all).toHaveLength(0);
    expect(log.lines).toMatchObject([{ level: 'warn', msg: 'webhooks are off; delivery dropped' }]);
  });

  it('job ids fit the jobs table and stay stable', () => {
    expect(deliveryJobId('video.completed', 'video_0d6c6f2e-1f6a-4b5c-9a57-2f7f6ad2a8f1', 11)).toBe(
      'whk_video.completed_video_0d6c6f2e-1f6a-4b5c-9a57-2f7f6ad2a8f1_11',
    );
    const odd = deliveryJobId('video.completed', 'x'.repeat(300) + ' /', 3);
    expect(odd.length).toBeLessThanOrEqual(128);
    expect(odd).toBe(deliveryJobId('video.completed', 'x'.repeat(300) + ' /', 3));
  });

  it('adapts a JobQueue whose enqueue takes runAfter', async () => {
    const calls: unknown[] = [];
    // The JobQueue shape: the map has 'webhook.deliver', opts take runAfter.
    type Payloads = { 'character.create': { characterId: string }; 'webhook.deliver': WebhookDeliveryPayload };
    const future: Omit<JobQueue, 'enqueue'> & {
      enqueue<T extends keyof Payloads>(type: T, payload: Payloads[T], opts?: { id?: string; runAfter?: number }): Promise<void>;
    } = {
      async enqueue(type, payload, opts) {
        calls.push({ type, payload, opts });
      },
      start: async () => {},
      stop: async () => {},
      depth: async () => 0,
      counts: async () => [],
      ping: async () => {},
    };
    const enqueuer: WebhookJobEnqueuer = future; // type-level check of the wiring
    const q = jobQueueDeliveryQueue(enqueuer);
    const p = { event: { id: 'evt_1', object: 'event' as const, created_at: 1, type: 'video.failed' as const, data: { id: 'v' } }, attempt: 2 };
    await q.enqueue(p, { id: 'j', runAfter: 5 });
    expect(calls).toEqual([{ type: 'webhook.deliver', payload: p, opts: { id: 'j', runAfter: 5 } }]);
  });
});

import { createHash } from 'node:crypto';
import type { WebhookDeliveryPayload, WebhookEventType } from './ports.js';

export type { WebhookDeliveryPayload } from './ports.js';

/** The job type of deliveries in `JobPayloads` (src/jobs/ports.ts). */
export const WEBHOOK_DELIVER_JOB = 'webhook.deliver' as const;

/**
 * Where deliveries wait durably: one row (job) per attempt. `id` makes enqueue idempotent (an id
 * that exists is left as it is); `runAfter` is unix ms, absent meaning now.
 */
export interface DeliveryQueue {
  enqueue(payload: WebhookDeliveryPayload, opts: { id: string; runAfter?: number }): Promise<void>;
}

/**
 * The job id of one attempt of the event about (`type`, `dataId`). The same settlement always
 * maps to the same ids, so a job that notifies twice (it resumed after a crash) sends one event,
 * and a delivery job that schedules its next attempt twice schedules it once.
 */
export function deliveryJobId(type: WebhookEventType, dataId: string, attempt: number): string {
  const id = `whk_${type}_${dataId}_${attempt}`;
  if (id.length <= 128 && /^[A-Za-z0-9._:-]+$/.test(dataId)) return id;
  const digest = createHash('sha256').update(`${type}\0${dataId}`).digest('hex').slice(0, 40);
  return `whk_${type}_${digest}_${attempt}`;
}

/** The shape of `JobQueue` once `enqueue` opts take `runAfter` and the map has `'webhook.deliver'`. */
export interface WebhookJobEnqueuer {
  enqueue(type: typeof WEBHOOK_DELIVER_JOB, payload: WebhookDeliveryPayload, opts: { id: string; runAfter?: number }): Promise<void>;
}

/** Deliveries as jobs of the service's durable queue. */
export function jobQueueDeliveryQueue(queue: WebhookJobEnqueuer): DeliveryQueue {
  return {
    enqueue: (payload, opts) => queue.enqueue(WEBHOOK_DELIVER_JOB, payload, opts),
  };
}

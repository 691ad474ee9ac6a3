import type { WebhookLog } from './delivery-handler.js';
import { type DeliveryQueue, deliveryJobId } from './delivery-queue.js';
import { buildEvent, type WebhookEventType } from './event.js';

/** What the services call when a character or a video task settles. */
export interface WebhookNotifier {
  /**
   * Records the event for delivery and returns: it never waits for the receiver, and never
   * rejects (a failure to record is logged, so it cannot fail the work that settled).
   */
  notify(type: WebhookEventType, dataId: string): Promise<void>;
}

/** WEBHOOK_URL unset. */
export const noopWebhookNotifier: WebhookNotifier = {
  async notify() {},
};

/** Enqueues the first attempt of each event on the durable delivery queue. */
export function createQueuedWebhookNotifier(deps: { queue: DeliveryQueue; log?: WebhookLog; now?: () => number }): WebhookNotifier {
  const now = deps.now ?? Date.now;
  return {
    async notify(type, dataId) {
      const event = buildEvent(type, dataId, now());
      try {
        await deps.queue.enqueue({ event, attempt: 1 }, { id: deliveryJobId(type, dataId, 1) });
      } catch (err) {
        deps.log?.error({ err, type, dataId, eventId: event.id }, 'could not record a webhook event');
      }
    },
  };
}

/**
 * The notifier for the settings: no-op without WEBHOOK_URL; a URL without WEBHOOK_SECRET is a
 * configuration error (Standard Webhooks are always signed).
 */
export function createWebhookNotifier(deps: {
  url: string | null;
  secret: string | null;
  queue: DeliveryQueue;
  log?: WebhookLog;
  now?: () => number;
}): WebhookNotifier {
  if (!deps.url) return noopWebhookNotifier;
  if (!deps.secret) throw new Error('WEBHOOK_URL is set but WEBHOOK_SECRET is not');
  return createQueuedWebhookNotifier(deps);
}

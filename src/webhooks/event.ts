import { randomBytes } from 'node:crypto';
import type { WebhookEvent, WebhookEventType } from './ports.js';

export { WEBHOOK_EVENT_TYPES, type WebhookEvent, type WebhookEventType } from './ports.js';

/** A new event with a random id; `now` is a Date or unix milliseconds. */
export function buildEvent(type: WebhookEventType, dataId: string, now: Date | number = Date.now()): WebhookEvent {
  const ms = typeof now === 'number' ? now : now.getTime();
  return {
    id: `evt_${randomBytes(16).toString('hex')}`,
    object: 'event',
    created_at: Math.floor(ms / 1000),
    type,
    data: { id: dataId },
  };
}

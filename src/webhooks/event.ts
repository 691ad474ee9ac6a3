import { randomBytes } from 'node:crypto';

/** The events a receiver can get (CONTRACT: Video tasks, Webhooks). */
export const WEBHOOK_EVENT_TYPES = [
  'video.completed',
  'video.failed',
  'character.completed',
  'character.failed',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The body of every delivery: `{id: "evt_...", object: "event", created_at, type, data: {id}}`. */
export interface WebhookEvent {
  /** `evt_` + 32 hex; also the `webhook-id` header, identical on every redelivery. */
  id: string;
  object: 'event';
  /** Unix seconds. */
  created_at: number;
  type: WebhookEventType;
  data: { id: string };
}

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

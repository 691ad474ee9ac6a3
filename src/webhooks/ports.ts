/** The webhook vocabulary that the job map and the delivery adapter share. */

/** The events a receiver can get (see docs/api.md, Webhooks). */
export const WEBHOOK_EVENT_TYPES = ['video.completed', 'video.failed', 'character.completed', 'character.failed'] as const;

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

/** The payload of a `webhook.deliver` job: the event, and which attempt this job is (1 when absent). */
export interface WebhookDeliveryPayload {
  event: WebhookEvent;
  attempt?: number;
}

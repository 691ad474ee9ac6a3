import { Webhook } from 'standardwebhooks';
import type { WebhookEvent } from './event.js';

export interface SignedWebhook {
  body: string;
  headers: {
    'webhook-id': string;
    'webhook-timestamp': string;
    'webhook-signature': string;
    'content-type': 'application/json';
  };
}

/**
 * Signs one delivery attempt as a Standard Webhook. `webhook-id` is the event id (the same on every
 * redelivery, so receivers can deduplicate); `webhook-timestamp` is the time of this attempt.
 * `secret` is `whsec_` + base64.
 */
export function signWebhook(secret: string, event: WebhookEvent, at: Date = new Date()): SignedWebhook {
  const body = JSON.stringify(event);
  // Whole seconds, so the header and the signed timestamp are the same number.
  const ts = new Date(Math.floor(at.getTime() / 1000) * 1000);
  const signature = new Webhook(secret).sign(event.id, ts, body);
  return {
    body,
    headers: {
      'webhook-id': event.id,
      'webhook-timestamp': String(Math.floor(ts.getTime() / 1000)),
      'webhook-signature': signature,
      'content-type': 'application/json',
    },
  };
}

import { MAX_WEBHOOK_ATTEMPTS, MAX_WEBHOOK_DELAY_MS, nextDelayMs } from './backoff.js';
import { type DeliverOptions, type DeliveryResult, deliverWebhook } from './deliver.js';
import { type DeliveryQueue, deliveryJobId, type WebhookDeliveryPayload } from './delivery-queue.js';
import type { WebhookEvent } from './event.js';

export interface WebhookLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export type DeliverFn = (url: string, secret: string, event: WebhookEvent, opts: DeliverOptions) => Promise<DeliveryResult>;

export interface WebhookDeliveryHandlerDeps {
  /** Null (WEBHOOK_URL unset since the event was recorded): the delivery is dropped with a warning. */
  url: string | null;
  secret: string | null;
  /** Where the next attempt is scheduled after a retryable failure. */
  schedule: DeliveryQueue;
  deliver?: DeliverFn;
  timeoutMs?: number;
  maxAttempts?: number;
  log?: WebhookLog;
  /** Clock of the schedule (unix ms). */
  now?: () => number;
  /** Source of the jitter, in [0, 1). */
  random?: () => number;
  /** Called once when an event is given up (410, or out of attempts), e.g. for a metric. */
  onGiveUp?: (event: WebhookEvent, info: { attempts: number; reason: string }) => void;
}

/** The subset of `JobContext` the handler reads; a `JobContext` fits. */
export interface DeliveryJobContext {
  attempt?: number;
  maxAttempts?: number;
  signal?: AbortSignal;
}

export type WebhookDeliveryHandler = (payload: WebhookDeliveryPayload, ctx?: DeliveryJobContext) => Promise<void>;

/**
 * The `'webhook.deliver'` job: one attempt per job. A retryable failure does not hold the worker:
 * it enqueues the next attempt (a new job, run after the backoff) and completes. A worker stopping
 * mid-attempt throws, so the queue keeps the job and runs it again after the restart.
 */
export function createWebhookDeliveryHandler(deps: WebhookDeliveryHandlerDeps): WebhookDeliveryHandler {
  return createWebhookDeliveryJob(deps).run;
}

/** The `'webhook.deliver'` entry of the job map: the handler, and its settle when the queue gives the job up. */
export function createWebhookDeliveryJob(deps: WebhookDeliveryHandlerDeps): {
  run: WebhookDeliveryHandler;
  onExhausted: (payload: WebhookDeliveryPayload, error: Error) => Promise<void>;
} {
  const deliver = deps.deliver ?? deliverWebhook;
  const maxAttempts = deps.maxAttempts ?? MAX_WEBHOOK_ATTEMPTS;
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;

  const giveUp = (event: WebhookEvent, attempts: number, reason: string, msg: string) => {
    deps.log?.error({ eventId: event.id, type: event.type, dataId: event.data.id, attempts, reason }, msg);
    deps.onGiveUp?.(event, { attempts, reason });
  };

  const scheduleNext = async (event: WebhookEvent, attempt: number, reason: string, retryAfterMs?: number) => {
    const delay = Math.min(Math.max(nextDelayMs(attempt, random), retryAfterMs ?? 0), MAX_WEBHOOK_DELAY_MS);
    const runAfter = now() + delay;
    await deps.schedule.enqueue({ event, attempt: attempt + 1 }, { id: deliveryJobId(event.type, event.data.id, attempt + 1), runAfter });
    deps.log?.warn(
      { eventId: event.id, type: event.type, dataId: event.data.id, attempt, nextAttempt: attempt + 1, delayMs: delay, reason },
      'webhook delivery failed; retry scheduled',
    );
  };

  /**
   * The queue's exhaustion rule (src/jobs/attempts.ts): this job died with its process (or threw)
   * too often. It is not redone here, but the delivery stays alive as a later attempt (a POST is
   * no reason for a crash loop), unless it was the last.
   */
  const onExhausted = async (payload: WebhookDeliveryPayload, error: Error) => {
    const event = payload.event;
    const attempt = payload.attempt ?? 1;
    if (!deps.url || !deps.secret) return;
    const reason = `job gave up: ${error.message}`;
    if (attempt >= maxAttempts) giveUp(event, attempt, reason, 'webhook delivery given up');
    else await scheduleNext(event, attempt, reason);
  };

  const run: WebhookDeliveryHandler = async (payload, ctx = {}) => {
    const event = payload.event;
    const attempt = payload.attempt ?? 1;
    const { url, secret } = deps;

    if (!url || !secret) {
      deps.log?.warn({ eventId: event.id, type: event.type, dataId: event.data.id }, 'webhooks are off; delivery dropped');
      return;
    }
    if (attempt > maxAttempts) {
      giveUp(event, attempt - 1, 'out of attempts', 'webhook delivery given up');
      return;
    }
    const result = await deliver(url, secret, event, {
      ...(deps.timeoutMs !== undefined ? { timeoutMs: deps.timeoutMs } : {}),
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });

    if (result.ok) {
      deps.log?.info({ eventId: event.id, type: event.type, dataId: event.data.id, attempt }, 'webhook delivered');
      return;
    }
    // Shutting down: leave the job to the queue, which runs it again after the restart.
    if (ctx.signal?.aborted) throw new Error(`webhook delivery interrupted: ${result.reason}`);
    if (!result.retryable) {
      giveUp(event, attempt, result.reason, 'webhook refused by the receiver; not retried');
      return;
    }
    if (attempt >= maxAttempts) {
      giveUp(event, attempt, result.reason, 'webhook delivery given up after the last attempt');
      return;
    }
    await scheduleNext(event, attempt, result.reason, result.retryAfterMs);
  };
  return { run, onExhausted };
}

/** The typed job map: every kind of background work and its payload; the queue port; its admission rule. */
import { AppError } from '../errors.js';
import type { WebhookDeliveryPayload } from '../webhooks/ports.js';

export interface JobPayloads {
  'character.create': { characterId: string };
  'video.render': { taskId: string };
  'webhook.deliver': WebhookDeliveryPayload;
}

export type JobType = keyof JobPayloads;

export interface JobContext {
  /** 1 on the first run; higher when a job runs again after its process died or a run threw. */
  attempt: number;
  /** Runs a job may get (JOB_MAX_ATTEMPTS). Handlers need not check it: the queue calls `onExhausted` instead. */
  maxAttempts: number;
  /** Aborted when the worker stops past its grace period: the handler gives up, and the job is handed back. */
  signal: AbortSignal;
}

export type JobHandler<T extends JobType> = (payload: JobPayloads[T], ctx: JobContext) => Promise<void>;

/**
 * What one job type does: `run`, and `onExhausted`, the settle function of the queue's one rule.
 * A job gets `maxAttempts` runs, whether its process died during a run or a run threw; when they
 * are spent the queue does not run it again but calls `onExhausted` once (the job's record is
 * settled failed, its waiter and webhook told), then marks the job failed. Every JobQueue
 * implementation applies it (src/jobs/attempts.ts), so no handler checks attempts itself.
 */
export interface JobDefinition<T extends JobType> {
  run: JobHandler<T>;
  onExhausted: (payload: JobPayloads[T], error: Error) => Promise<void>;
}

/** The job map: every job type must have its definition (a missing one fails the build). */
export type JobHandlers = { [T in JobType]: JobDefinition<T> };

/** Jobs of each type run at once by one worker: a burst of one type never starves another. */
export type JobConcurrency = { [T in JobType]: number };

/** A job's state as the queue reports it for metrics. */
export type JobCountState = 'queued' | 'running' | 'failed';

/** When a job starts: its type and how long it waited since it was due (enqueued, or its runAfter). */
export type JobStartObserver = (type: JobType, waitedMs: number) => void;

export interface JobQueue {
  /** `runAfter` (unix ms) delays the job; an `id` that exists already is not enqueued twice. */
  enqueue<T extends JobType>(type: T, payload: JobPayloads[T], opts?: { id?: string; runAfter?: number }): Promise<void>;
  /** Starts running jobs of the handled types (a process that only enqueues never calls it). */
  start(handlers: JobHandlers): Promise<void>;
  /** Stops taking jobs and waits for the running ones (or aborts them after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
  /** Jobs waiting to run (of the given types), for back-pressure (queue_full) and metrics. */
  depth(types?: JobType[]): Promise<number>;
  /** Jobs by type and state (queued, running, failed), for metrics. */
  counts(): Promise<{ type: JobType; state: JobCountState; count: number }[]>;
  ping(): Promise<void>;
}

const EVERY_JOB_TYPE: { [T in JobType]: true } = { 'character.create': true, 'video.render': true, 'webhook.deliver': true };
/** Every job type (checked complete against the job map by the type above). */
export const JOB_TYPES = Object.keys(EVERY_JOB_TYPE) as JobType[];

/** The jobs that make media (characters and renders): the back-pressure of MAX_QUEUED_JOBS counts these. */
export const MEDIA_JOB_TYPES: JobType[] = ['character.create', 'video.render'];

/** The one queue_full rule: new media work is refused while `max` media jobs wait. */
export async function assertQueueHasRoom(queue: Pick<JobQueue, 'depth'>, max: number): Promise<void> {
  if ((await queue.depth(MEDIA_JOB_TYPES)) >= max) {
    throw new AppError('queue_full', 'too much work is waiting (characters and videos); retry shortly', { retryAfter: 10 });
  }
}

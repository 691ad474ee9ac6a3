/** The typed job map: every kind of background work and its payload; the queue port; its admission rule. */
import { AppError } from '../errors.js';
import type { WebhookDeliveryPayload } from '../webhooks/ports.js';

export interface JobPayloads {
  'character.create': { characterId: string };
  /** Once per character made before reference sets existed: its frames, voice and subject from its kept clip. */
  'character.references': { characterId: string };
  'video.render': { taskId: string };
  'webhook.deliver': WebhookDeliveryPayload;
}

export type JobType = keyof JobPayloads;

export interface JobContext {
  /** 1 on the first run; higher when a job resumes after a crash or retry. */
  attempt: number;
  /**
   * Runs a job may get. A job whose attempt exceeds it has killed its process that many times:
   * the handler must then settle it as failed without redoing the work.
   */
  maxAttempts: number;
  signal: AbortSignal;
}

export type JobHandler<T extends JobType> = (payload: JobPayloads[T], ctx: JobContext) => Promise<void>;
export type JobHandlers = { [T in JobType]?: JobHandler<T> };

export interface JobQueue {
  /** `runAfter` (unix ms) delays the job; an `id` that exists already is not enqueued twice. */
  enqueue<T extends JobType>(type: T, payload: JobPayloads[T], opts?: { id?: string; runAfter?: number }): Promise<void>;
  /** Starts running jobs of the handled types (a process that only enqueues never calls it). */
  start(handlers: JobHandlers): Promise<void>;
  /** Stops taking jobs and waits for the running ones (or aborts them after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
  /** Jobs waiting to run (of the given types), for back-pressure (queue_full) and metrics. */
  depth(types?: JobType[]): Promise<number>;
  ping(): Promise<void>;
}

/** The jobs that make media (characters and renders): the back-pressure of MAX_QUEUED_JOBS counts these. */
export const MEDIA_JOB_TYPES: JobType[] = ['character.create', 'video.render'];

/** The one queue_full rule: new media work is refused while `max` media jobs wait. */
export async function assertQueueHasRoom(queue: Pick<JobQueue, 'depth'>, max: number): Promise<void> {
  if ((await queue.depth(MEDIA_JOB_TYPES)) >= max) {
    throw new AppError('queue_full', 'too much work is waiting (characters and videos); retry shortly', { retryAfter: 10 });
  }
}

import type { UpstreamStatus } from '../upstream-api.js';
import { arkTaskFailure } from './errors.js';
import type { ArkTask } from './wire.js';

/**
 * A polled task in our terms: `queued`; `running` -> in progress; `succeeded` -> completed (its
 * `content.video_url` is read by `videoUrlOf`); `failed` carries the task's `error`; `cancelled`,
 * `expired` and an unknown status end as failures naming them.
 */
export function readTask(task: ArkTask): UpstreamStatus {
  switch (task.status) {
    case 'queued':
      return { state: 'queued' };
    case 'running':
      return { state: 'in_progress' };
    case 'succeeded':
      return { state: 'completed' };
    case 'failed':
      return { state: 'failed', failure: arkTaskFailure(task.error, 'the task failed') };
    case 'cancelled':
      return { state: 'failed', failure: { moderation: false, code: 'cancelled', message: 'the task was cancelled upstream' } };
    case 'expired':
      return { state: 'failed', failure: { moderation: false, code: 'expired', message: 'the task expired upstream before it ran' } };
    default:
      return { state: 'failed', failure: { moderation: false, code: 'unknown_status', message: `unknown task status ${JSON.stringify(task.status)}` } };
  }
}

/** The finished video's URL, or null when the task has none (not succeeded, or a malformed answer). */
export function videoUrlOf(task: ArkTask): string | null {
  const url = task.status === 'succeeded' ? task.content?.video_url : undefined;
  return typeof url === 'string' && url !== '' ? url : null;
}

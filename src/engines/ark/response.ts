import type { AppError } from '../../errors.js';
import { arkFailure } from './errors.js';
import type { ArkTask } from './wire.js';

export type ArkProgress = { state: 'queued' | 'in_progress' } | { state: 'completed'; videoUrl: string } | { state: 'failed'; error: AppError };

/**
 * A polled task in our terms: `queued`, `running` -> in progress, `succeeded` with
 * `content.video_url` -> completed; `failed` carries the upstream's `error`; `cancelled` and
 * `expired` (or an unknown status, or success without a video) end as engine errors.
 */
export function readTask(task: ArkTask): ArkProgress {
  switch (task.status) {
    case 'queued':
      return { state: 'queued' };
    case 'running':
      return { state: 'in_progress' };
    case 'succeeded': {
      const url = task.content?.video_url;
      if (typeof url === 'string' && url !== '') return { state: 'completed', videoUrl: url };
      return { state: 'failed', error: arkFailure(undefined, 'the task succeeded without a video_url') };
    }
    case 'failed':
      return { state: 'failed', error: arkFailure(task.error?.code, task.error?.message ?? 'the task failed') };
    case 'cancelled':
      return { state: 'failed', error: arkFailure(undefined, 'the task was cancelled upstream') };
    case 'expired':
      return { state: 'failed', error: arkFailure(undefined, 'the task expired upstream before it ran') };
    default:
      return { state: 'failed', error: arkFailure(undefined, `unknown task status ${JSON.stringify(task.status)}`) };
  }
}

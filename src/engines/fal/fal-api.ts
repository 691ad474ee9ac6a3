import type { UpstreamApi, UpstreamJob, UpstreamStatus } from '../upstream-api.js';
import { UpstreamRefusal } from '../upstream-api.js';
import { createFalQueue, type FalQueueOptions } from './api.js';
import { falStatusFailure } from './errors.js';
import { falFamilyOf, falInputFor } from './families.js';

/** The fal queue as an UpstreamApi: where to call (api.ts) joined to what to send (families.ts). */
export function createFalApi(opts: FalQueueOptions): UpstreamApi {
  const queue = createFalQueue(opts);
  return {
    validate(render) {
      if (!falFamilyOf(render.model)) {
        throw new UpstreamRefusal({
          moderation: false,
          code: 'unknown_model_family',
          message: `the fal engine does not know what to send to '${render.model}'`,
        });
      }
    },
    submit: (render, signal) => queue.submit(render.model, falInputFor(render), signal),
    async status(job: UpstreamJob, signal: AbortSignal): Promise<UpstreamStatus> {
      const s = await queue.status(job, signal);
      if (s?.status === 'COMPLETED') {
        // A job that ended in error says so in its status (`error`, `error_type`); its result GET then answers the error too.
        return s.error ? { state: 'failed', failure: falStatusFailure(s.error, s.error_type) } : { state: 'completed' };
      }
      return { state: s?.status === 'IN_PROGRESS' ? 'in_progress' : 'queued' };
    },
    async resultUrl(job, signal) {
      const out = (await queue.result(job, signal)) as { video?: { url?: unknown } } | null;
      const url = out?.video?.url;
      if (typeof url !== 'string' || url === '') {
        throw new UpstreamRefusal({ moderation: false, code: 'invalid_response', message: 'the fal result has no video.url' });
      }
      return url;
    },
    cancel: (job, signal) => queue.cancel(job, signal),
  };
}

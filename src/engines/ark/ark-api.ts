import type { UpstreamApi } from '../upstream-api.js';
import { UpstreamRefusal } from '../upstream-api.js';
import { type ArkClientOptions, createArkClient } from './api.js';
import { type ArkSendOptions, toCreateTask } from './request.js';
import { readTask, videoUrlOf } from './response.js';

export interface ArkApiOptions extends ArkClientOptions {
  /** What a task sends besides the prompt: the image budget and the reference media (ARK_MAX_REFERENCE_IMAGES, ARK_REFERENCE_MEDIA). */
  send: ArkSendOptions;
}

/** ModelArk as an UpstreamApi: where to call (api.ts) joined to what to send (request.ts, response.ts). */
export function createArkApi(opts: ArkApiOptions): UpstreamApi {
  const client = createArkClient(opts);
  return {
    submit: (render, signal) => client.createTask(toCreateTask(render, opts.send), signal),
    async status(job, signal) {
      return readTask(await client.getTask(job.id, signal));
    },
    async resultUrl(job, signal) {
      const task = await client.getTask(job.id, signal);
      const url = videoUrlOf(task);
      if (url !== null) return url;
      const st = readTask(task);
      if (st.state === 'failed') throw new UpstreamRefusal(st.failure);
      throw new UpstreamRefusal({ moderation: false, code: 'invalid_response', message: 'the finished task has no content.video_url' });
    },
    cancel: (job, signal) => client.deleteTask(job.id, signal),
  };
}

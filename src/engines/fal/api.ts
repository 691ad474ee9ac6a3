import { type UpstreamJob, UpstreamRefusal } from '../upstream-api.js';
import { type RetryPolicy, upstreamRequest } from '../upstream-http.js';
import { falFailure } from './errors.js';

/**
 * Where to call on the fal queue, as fal's official JS client does it (fal-ai/fal-js,
 * libs/client/src/queue.ts with request.ts and utils.ts `parseEndpointId`):
 * - submit: `POST {queue}/{endpoint id}` with the input as JSON, header `x-fal-queue-priority`;
 *   answers `{request_id, status: "IN_QUEUE", ...}`;
 * - status: `GET {queue}/{owner}/{alias}/requests/{id}/status?logs=0` (IN_QUEUE, IN_PROGRESS, COMPLETED);
 * - result: `GET {queue}/{owner}/{alias}/requests/{id}` (the output, or the error the job ended with);
 * - cancel: `PUT {queue}/{owner}/{alias}/requests/{id}/cancel`.
 * Status, result and cancel go to the app (`owner/alias`, with a `workflows/` or `comfy/`
 * namespace kept), not to the endpoint's sub-path. Every call carries `Authorization: Key <FAL_KEY>`.
 */
export interface FalQueueOptions {
  key: string;
  /** FAL_QUEUE_URL, without a trailing slash. */
  queueUrl: string;
  retry?: RetryPolicy;
  fetchImpl?: typeof fetch;
}

const NAMESPACES = new Set(['workflows', 'comfy']);

/** The app part of an endpoint id: `fal-ai/kling-video/o3/pro/reference-to-video` -> `fal-ai/kling-video`. */
export function falAppPath(endpointId: string): string {
  const parts = endpointId.split('/');
  if (NAMESPACES.has(parts[0])) return parts.slice(0, 3).join('/');
  return parts.slice(0, 2).join('/');
}

export type FalQueueStatus = { status: 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED'; queue_position?: number; error?: string | null; error_type?: string | null };

export function createFalQueue(opts: FalQueueOptions) {
  const headers = { Authorization: `Key ${opts.key}`, 'User-Agent': 'sora-characters' };
  const call = (method: 'GET' | 'POST' | 'PUT', url: string, signal: AbortSignal, body?: unknown, retryWithoutAnswer = true) =>
    upstreamRequest({
      method,
      url,
      headers: method === 'POST' ? { ...headers, 'x-fal-queue-priority': 'normal' } : headers,
      body,
      signal,
      retryWithoutAnswer,
      mapError: falFailure,
      retry: opts.retry,
      fetchImpl: opts.fetchImpl,
    });
  const requestUrl = (job: UpstreamJob, suffix = '') => `${opts.queueUrl}/${falAppPath(job.model)}/requests/${encodeURIComponent(job.id)}${suffix}`;

  return {
    async submit(endpointId: string, input: unknown, signal: AbortSignal): Promise<string> {
      const res = (await call('POST', `${opts.queueUrl}/${endpointId}`, signal, input, false)) as { request_id?: unknown } | null;
      if (!res || typeof res.request_id !== 'string' || res.request_id === '') {
        throw new UpstreamRefusal({ moderation: false, code: 'invalid_response', message: 'the fal queue answered the submit without a request_id' });
      }
      return res.request_id;
    },
    async status(job: UpstreamJob, signal: AbortSignal): Promise<FalQueueStatus> {
      return (await call('GET', requestUrl(job, '/status?logs=0'), signal)) as FalQueueStatus;
    },
    async result(job: UpstreamJob, signal: AbortSignal): Promise<unknown> {
      return call('GET', requestUrl(job), signal);
    },
    async cancel(job: UpstreamJob, signal: AbortSignal): Promise<void> {
      await call('PUT', requestUrl(job, '/cancel'), signal);
    },
  };
}

export type FalQueue = ReturnType<typeof createFalQueue>;

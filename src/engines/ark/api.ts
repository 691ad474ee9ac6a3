import { UpstreamRefusal } from '../upstream-api.js';
import { type RetryPolicy, upstreamRequest } from '../upstream-http.js';
import { arkHttpFailure } from './errors.js';
import { type ArkCreateTaskRequest, type ArkCreateTaskResponse, type ArkTask, TASKS_PATH } from './wire.js';

/**
 * Where to call ModelArk, as the official Go SDK does it (byteplus-sdk/byteplus-go-sdk-v2,
 * `service/arkruntime/content_generation.go` and `client.go`): `Authorization: Bearer <ARK_API_KEY>`,
 * - create: `POST {base}/contents/generations/tasks` -> `{id}`;
 * - get:    `GET {base}/contents/generations/tasks/{id}`;
 * - cancel: `DELETE {base}/contents/generations/tasks/{id}` (cancels a queued task, deletes a finished one).
 * 429 and 5xx answers are retried by upstreamRequest (as the SDK's `needRetryError`); a create is
 * never retried without an answer (the task may exist).
 */
export interface ArkClientOptions {
  apiKey: string;
  /** ARK_BASE_URL, e.g. https://ark.ap-southeast.bytepluses.com/api/v3. */
  baseUrl: string;
  retry?: RetryPolicy;
  fetchImpl?: typeof fetch;
}

export function createArkClient(opts: ArkClientOptions) {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const headers = { Authorization: `Bearer ${opts.apiKey}`, 'User-Agent': 'sora-characters' };
  const taskUrl = (id: string) => `${base}${TASKS_PATH}/${encodeURIComponent(id)}`;
  const call = (method: 'GET' | 'POST' | 'DELETE', url: string, signal: AbortSignal, body?: unknown, retryWithoutAnswer = true) =>
    upstreamRequest({ method, url, headers, body, signal, retryWithoutAnswer, mapError: arkHttpFailure, retry: opts.retry, fetchImpl: opts.fetchImpl });

  return {
    async createTask(body: ArkCreateTaskRequest, signal: AbortSignal): Promise<string> {
      const res = (await call('POST', `${base}${TASKS_PATH}`, signal, body, false)) as Partial<ArkCreateTaskResponse> | null;
      if (!res || typeof res.id !== 'string' || res.id === '') {
        throw new UpstreamRefusal({ moderation: false, code: 'invalid_response', message: 'ModelArk answered the create without a task id' });
      }
      return res.id;
    },
    async getTask(id: string, signal: AbortSignal): Promise<ArkTask> {
      const task = (await call('GET', taskUrl(id), signal)) as ArkTask | null;
      if (!task || typeof task !== 'object' || typeof task.status !== 'string') {
        throw new UpstreamRefusal({ moderation: false, code: 'invalid_response', message: 'ModelArk answered the task without a status' });
      }
      return task;
    },
    async deleteTask(id: string, signal: AbortSignal): Promise<void> {
      await call('DELETE', taskUrl(id), signal);
    },
  };
}

export type ArkClient = ReturnType<typeof createArkClient>;

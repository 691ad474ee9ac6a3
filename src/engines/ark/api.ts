import type { AppError } from '../../errors.js';
import { arkFailure } from './errors.js';
import { type ArkCreateTaskRequest, type ArkCreateTaskResponse, type ArkErrorBody, type ArkTask, TASKS_PATH } from './wire.js';

/** Where to call ModelArk (the routes of the Go SDK's `service/arkruntime/content_generation.go`). */
export interface ArkApiOptions {
  /** e.g. https://ark.ap-southeast.bytepluses.com/api/v3 (no trailing slash needed). */
  baseUrl: string;
  apiKey: string;
  fetch?: typeof fetch;
}

/** A non-2xx answer, with the upstream's `error.code` and `error.message` when it sent them. */
export class ArkHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    readonly upstreamMessage: string | undefined,
    /** Seconds, from `Retry-After`. */
    readonly retryAfter: number | undefined,
  ) {
    super(`ModelArk answered HTTP ${status}${code ? ` ${code}` : ''}${upstreamMessage ? `: ${upstreamMessage}` : ''}`);
    this.name = 'ArkHttpError';
  }

  /** 429 and 5xx are worth another try (as the Go SDK's `needRetryError` decides). */
  get retryable(): boolean {
    return this.status === 429 || this.status >= 500;
  }

  /** In our envelope: a content-safety refusal, else an engine error naming status and code. */
  toAppError(): AppError {
    return arkFailure(this.code ?? `HTTP ${this.status}`, this.upstreamMessage, this);
  }
}

export interface ArkApi {
  createTask(body: ArkCreateTaskRequest, signal: AbortSignal): Promise<string>;
  getTask(id: string, signal: AbortSignal): Promise<ArkTask>;
  deleteTask(id: string, signal?: AbortSignal): Promise<void>;
}

export function createArkApi(opts: ArkApiOptions): ArkApi {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const doFetch = opts.fetch ?? fetch;
  const taskUrl = (id: string) => `${base}${TASKS_PATH}/${encodeURIComponent(id)}`;

  async function call(method: string, url: string, body: unknown, signal: AbortSignal | undefined): Promise<unknown> {
    const headers: Record<string, string> = { authorization: `Bearer ${opts.apiKey}`, accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await doFetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal, redirect: 'error' });
    const text = await res.text();
    if (!res.ok) {
      let parsed: ArkErrorBody = {};
      try {
        parsed = JSON.parse(text) as ArkErrorBody;
      } catch {
        // Not JSON (a proxy's page): the status says enough.
      }
      const retryAfter = Number(res.headers.get('retry-after'));
      throw new ArkHttpError(res.status, parsed.error?.code, parsed.error?.message, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined);
    }
    if (text === '') return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw new ArkHttpError(res.status, undefined, 'the answer is not JSON', undefined);
    }
  }

  return {
    async createTask(body, signal) {
      const res = (await call('POST', `${base}${TASKS_PATH}`, body, signal)) as ArkCreateTaskResponse | undefined;
      if (!res || typeof res.id !== 'string' || res.id === '') throw new ArkHttpError(200, undefined, 'the create answer has no task id', undefined);
      return res.id;
    },
    async getTask(id, signal) {
      const task = (await call('GET', taskUrl(id), undefined, signal)) as ArkTask | undefined;
      if (!task || typeof task.status !== 'string') throw new ArkHttpError(200, undefined, 'the task answer has no status', undefined);
      return task;
    },
    async deleteTask(id, signal) {
      await call('DELETE', taskUrl(id), undefined, signal);
    },
  };
}

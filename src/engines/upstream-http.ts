import { type UpstreamFailure, UpstreamRefusal } from './upstream-api.js';

/** How an upstream's 429 and 5xx answers are retried. */
export interface RetryPolicy {
  /** Attempts in all (the first one included). Default 6. */
  attempts?: number;
  /** First wait, doubled each time up to `maxDelayMs`, when the upstream sends no Retry-After. Default 500 ms. */
  baseDelayMs?: number;
  /** Longest wait, Retry-After included. Default 30 s. */
  maxDelayMs?: number;
}

export interface UpstreamRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  /** JSON body. */
  body?: unknown;
  signal: AbortSignal;
  /**
   * Whether a network failure (no answer) may be retried. False for a submit: the upstream may
   * have accepted the job before the connection broke, and a second submit would be a second job.
   */
  retryWithoutAnswer: boolean;
  /** The adapter's reading of an error answer (status and parsed JSON body, or text). */
  mapError(status: number, body: unknown): UpstreamFailure;
  retry?: RetryPolicy;
  /** Test and bench seam: the fetch to use. Default: the global fetch. */
  fetchImpl?: typeof fetch;
}

/**
 * One call to an upstream API: JSON in and out; 429 and 5xx answers retried with exponential
 * backoff honouring Retry-After (seconds or an HTTP date); any other error answer thrown as an
 * UpstreamRefusal carrying the adapter's mapping. Returns the parsed JSON body (null when empty).
 */
export async function upstreamRequest(req: UpstreamRequest): Promise<unknown> {
  const attempts = req.retry?.attempts ?? 6;
  const base = req.retry?.baseDelayMs ?? 500;
  const max = req.retry?.maxDelayMs ?? 30_000;
  const doFetch = req.fetchImpl ?? fetch;
  for (let attempt = 1; ; attempt++) {
    let res: Response;
    try {
      res = await doFetch(req.url, {
        method: req.method,
        headers: { Accept: 'application/json', ...(req.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...req.headers },
        body: req.body !== undefined ? JSON.stringify(req.body) : undefined,
        signal: req.signal,
      });
    } catch (e) {
      if (req.signal.aborted || !req.retryWithoutAnswer || attempt >= attempts) throw e;
      await sleep(backoff(attempt, base, max), req.signal);
      continue;
    }
    const body = await readBody(res);
    if (res.ok) return body;
    if ((res.status === 429 || res.status >= 500) && attempt < attempts) {
      await sleep(retryAfterMs(res.headers.get('retry-after'), max) ?? backoff(attempt, base, max), req.signal);
      continue;
    }
    throw new UpstreamRefusal(req.mapError(res.status, body));
  }
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const backoff = (attempt: number, base: number, max: number) => Math.min(max, base * 2 ** (attempt - 1));

/** Retry-After as milliseconds (delta-seconds or an HTTP date), capped; null when absent or unreadable. */
export function retryAfterMs(value: string | null, max: number, now = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.min(max, Math.round(Number(v) * 1000));
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.min(max, Math.max(0, at - now));
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

import type { WebhookEvent } from './event.js';
import { signWebhook } from './sign.js';

/** The part of `fetch` a delivery uses (the global fetch fits; tests may pass their own). */
export type FetchLike = (
  url: string,
  init: {
    method: 'POST';
    headers: Record<string, string>;
    body: string;
    signal: AbortSignal;
    redirect: 'manual';
  },
) => Promise<{
  status: number;
  headers: { get(name: string): string | null };
  body: ReadableStream<Uint8Array> | null;
}>;

export interface DeliverOptions {
  /** Whole attempt, response headers included (default 10 s). */
  timeoutMs?: number;
  fetchImpl?: FetchLike;
  /** Aborts the attempt from outside (e.g. a worker shutting down). */
  signal?: AbortSignal;
  /** Time of the attempt, for `webhook-timestamp` (default: now). */
  now?: () => Date;
}

export type DeliveryResult =
  | { ok: true; status: number }
  | {
      ok: false;
      retryable: boolean;
      reason: string;
      /** The HTTP status, when the receiver answered. */
      status?: number;
      /** The receiver's Retry-After (429/503), in ms, when it gave one. */
      retryAfterMs?: number;
    };

/** Bytes of an error response kept for the log; the rest is never read. */
export const MAX_ERROR_BODY_BYTES = 512;

/**
 * POSTs one signed attempt. 2xx: delivered. 410 Gone: the receiver wants no more (not retryable).
 * Any other status, a redirect (never followed), a timeout or a network error: retryable.
 * Never throws.
 */
export async function deliverWebhook(url: string, secret: string, event: WebhookEvent, opts: DeliverOptions = {}): Promise<DeliveryResult> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const fetchImpl: FetchLike = opts.fetchImpl ?? (globalThis.fetch as unknown as FetchLike);

  let target: URL;
  try {
    target = new URL(url);
    if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    return { ok: false, retryable: false, reason: `invalid webhook url` };
  }

  let signed: ReturnType<typeof signWebhook>;
  try {
    signed = signWebhook(secret, event, opts.now?.() ?? new Date());
  } catch (err) {
    return { ok: false, retryable: false, reason: `cannot sign: ${errorText(err)}` };
  }

  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = opts.signal ? AbortSignal.any([timeout, opts.signal]) : timeout;
  const failure = (err: unknown): DeliveryResult => {
    if (timeout.aborted) return { ok: false, retryable: true, reason: `timed out after ${timeoutMs} ms` };
    if (opts.signal?.aborted) return { ok: false, retryable: true, reason: 'aborted' };
    return { ok: false, retryable: true, reason: errorText(err) };
  };

  let res: Awaited<ReturnType<FetchLike>>;
  try {
    res = await fetchImpl(target.href, {
      method: 'POST',
      headers: { ...signed.headers, 'user-agent': 'sora-characters-webhooks' },
      body: signed.body,
      signal,
      redirect: 'manual',
    });
  } catch (err) {
    return failure(err);
  }

  if (res.status >= 200 && res.status < 300) {
    // The body of a success means nothing: release the connection without waiting for it.
    res.body?.cancel().catch(() => {});
    return { ok: true, status: res.status };
  }

  const snippet = await readBounded(res.body, MAX_ERROR_BODY_BYTES);
  const reason = `HTTP ${res.status}${snippet ? `: ${snippet}` : ''}`;
  if (res.status === 410) return { ok: false, retryable: false, reason, status: res.status };
  const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
  return {
    ok: false,
    retryable: true,
    reason: res.status >= 300 && res.status < 400 ? `${reason} (redirects are not followed)` : reason,
    status: res.status,
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  };
}

/** At most `limit` bytes of a body, as one line of text; the stream is then cancelled. Never throws. */
async function readBounded(body: ReadableStream<Uint8Array> | null, limit: number): Promise<string> {
  if (!body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  try {
    reader = body.getReader();
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A body that fails or times out mid-way: keep what came.
  } finally {
    reader?.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8').replace(/\s+/g, ' ').trim().slice(0, 200);
}

/** Retry-After as delta-seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  if (cause && typeof cause === 'object') {
    const c = cause as { code?: unknown; message?: unknown };
    const detail = typeof c.code === 'string' ? c.code : typeof c.message === 'string' ? c.message : '';
    if (detail) return `${err.message}: ${detail}`;
  }
  return err.message;
}

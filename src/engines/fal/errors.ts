import type { UpstreamFailure } from '../upstream-api.js';

/**
 * fal's error answers mapped to one failure. fal answers a refused or failed request with
 * `{"detail": [{"loc", "msg", "type", ...}]}` (FastAPI's validation shape; `type` is e.g.
 * `content_policy_violation`, documented at https://docs.fal.ai/errors), or `{"detail": "..."}`
 * / `{"message": "..."}` for other errors. A `content_policy_violation` is a moderation refusal.
 */
export function falFailure(status: number, body: unknown): UpstreamFailure {
  const items = detailItems(body);
  const flagged = items.find((d) => d.type === 'content_policy_violation');
  if (flagged) return { moderation: true, code: 'content_policy_violation', message: flagged.msg || 'The content was flagged by a content checker.' };
  const first = items[0];
  const obj = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const code = first?.type || str(obj.error_type) || `http_${status}`;
  const message =
    first?.msg || str(obj.detail) || str(obj.message) || str(obj.error) || (typeof body === 'string' && body.length < 500 ? body : '') || `HTTP ${status}`;
  return { moderation: false, code, message };
}

/** A job that ended with an error in its status (`error`, `error_type`). */
export function falStatusFailure(error: string, errorType: string | null | undefined): UpstreamFailure {
  const code = errorType || 'request_failed';
  return { moderation: code === 'content_policy_violation', code, message: error };
}

function detailItems(body: unknown): { type: string; msg: string }[] {
  const list = Array.isArray(body)
    ? body
    : body && typeof body === 'object' && Array.isArray((body as { detail?: unknown }).detail)
      ? (body as { detail: unknown[] }).detail
      : [];
  return list.filter((d): d is Record<string, unknown> => !!d && typeof d === 'object').map((d) => ({ type: str(d.type), msg: str(d.msg) }));
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

import type { UpstreamFailure } from '../upstream-api.js';
import type { ArkErrorBody, ArkTaskError } from './wire.js';

/**
 * ModelArk's content-safety refusals (the ModelArk error-code reference): the
 * `SensitiveContentDetected` family (`InputTextSensitiveContentDetected`,
 * `OutputVideoSensitiveContentDetected`, `SensitiveContentDetected.Violence`,
 * `InputImageSensitiveContentDetected.PrivacyInformation`, ...) and the content-security
 * `RiskDetection` family (`InputTextRiskDetection`, `OutputImageRiskDetection`, ...).
 */
export function isModerationCode(code: string): boolean {
  const family = code.split('.')[0];
  return family.endsWith('SensitiveContentDetected') || family.endsWith('RiskDetection');
}

/** A task's `error` (or a refused request's) as one failure: a content-safety code is a moderation refusal. */
export function arkTaskFailure(error: Partial<ArkTaskError> | null | undefined, fallback: string): UpstreamFailure {
  const code = typeof error?.code === 'string' && error.code !== '' ? error.code : 'task_failed';
  const message = typeof error?.message === 'string' && error.message.trim() !== '' ? error.message.trim() : fallback;
  return { moderation: isModerationCode(code), code, message };
}

/**
 * A non-2xx answer (`{"error": {"code", "message", ...}}`, the Go SDK's `handleErrorResp`) as one
 * failure; an answer without that body is named by its HTTP status.
 */
export function arkHttpFailure(status: number, body: unknown): UpstreamFailure {
  const error = body && typeof body === 'object' ? (body as ArkErrorBody).error : undefined;
  if (error && typeof error === 'object' && typeof error.code === 'string' && error.code !== '') {
    return arkTaskFailure({ code: error.code, message: error.message }, `HTTP ${status}`);
  }
  const text = typeof body === 'string' && body.length > 0 && body.length < 500 ? body : `HTTP ${status}`;
  return { moderation: false, code: `http_${status}`, message: text };
}

import { AppError } from '../../errors.js';

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

/**
 * An upstream failure in our one envelope: a content-safety refusal is `moderation_blocked` with
 * the upstream's message (it tells the user what to change); anything else is `engine_error`
 * naming the upstream's code.
 */
export function arkFailure(code: string | undefined, message: string | undefined, cause?: unknown): AppError {
  const text = (message ?? '').trim();
  if (code && isModerationCode(code)) {
    return new AppError('moderation_blocked', text || 'The ark engine refused the content.', { cause });
  }
  const what = code ? `${code}${text ? `: ${text}` : ''}` : text || 'no reason given';
  return new AppError('engine_error', `The ark engine failed to render the video (${what}).`, { cause });
}

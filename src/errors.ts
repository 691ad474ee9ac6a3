/**
 * The one typed error of the service. Every layer throws an AppError with a stable `code`;
 * the HTTP status and error `type` are decided in one place (src/api/error-status.ts).
 */
export type ErrorCode =
  | 'invalid_json'
  | 'invalid_timestamps'
  | 'timestamps_out_of_range'
  | 'missing_source'
  | 'invalid_url'
  | 'invalid_parameter'
  | 'malformed_request'
  | 'invalid_api_key'
  | 'cameo_permission_denied'
  | 'url_not_allowed'
  | 'not_owner'
  | 'invalid_signature'
  | 'client_not_allowed'
  | 'character_not_found'
  | 'task_not_found'
  | 'not_found'
  | 'request_timeout'
  | 'username_taken'
  | 'key_name_taken'
  | 'task_not_completed'
  | 'idempotency_conflict'
  | 'source_too_large'
  | 'body_too_large'
  | 'url_too_long'
  | 'unsupported_media'
  | 'media_too_large'
  | 'rate_limit_exceeded'
  | 'queue_full'
  | 'headers_too_large'
  | 'source_unreachable'
  | 'source_timeout'
  | 'engine_error'
  | 'moderation_blocked'
  | 'internal_error';

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly param: string | null;
  /** Seconds, for 429 answers. */
  readonly retryAfter?: number;

  constructor(code: ErrorCode, message: string, opts: { param?: string | null; retryAfter?: number; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.param = opts.param ?? null;
    this.retryAfter = opts.retryAfter;
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;

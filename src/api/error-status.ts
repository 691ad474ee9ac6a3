import type { ErrorCode } from '../errors.js';

/** The one place where an error code becomes an HTTP status and an OpenAI error `type`. */
const TABLE: Record<ErrorCode, [number, string]> = {
  invalid_json: [400, 'invalid_request_error'],
  invalid_timestamps: [400, 'invalid_request_error'],
  timestamps_out_of_range: [400, 'invalid_request_error'],
  missing_source: [400, 'invalid_request_error'],
  invalid_url: [400, 'invalid_request_error'],
  invalid_parameter: [400, 'invalid_request_error'],
  malformed_request: [400, 'invalid_request_error'],
  invalid_api_key: [401, 'authentication_error'],
  cameo_permission_denied: [403, 'permission_error'],
  url_not_allowed: [403, 'permission_error'],
  not_owner: [403, 'permission_error'],
  invalid_signature: [403, 'permission_error'],
  client_not_allowed: [403, 'permission_error'],
  character_not_found: [404, 'not_found_error'],
  task_not_found: [404, 'not_found_error'],
  not_found: [404, 'not_found_error'],
  request_timeout: [408, 'invalid_request_error'],
  username_taken: [409, 'conflict_error'],
  key_name_taken: [409, 'conflict_error'],
  task_not_completed: [409, 'conflict_error'],
  idempotency_conflict: [409, 'conflict_error'],
  source_too_large: [413, 'invalid_request_error'],
  body_too_large: [413, 'invalid_request_error'],
  url_too_long: [414, 'invalid_request_error'],
  unsupported_media: [422, 'invalid_request_error'],
  media_too_large: [422, 'invalid_request_error'],
  rate_limit_exceeded: [429, 'rate_limit_error'],
  queue_full: [429, 'rate_limit_error'],
  headers_too_large: [431, 'invalid_request_error'],
  source_unreachable: [502, 'upstream_error'],
  source_timeout: [504, 'upstream_error'],
  engine_error: [502, 'upstream_error'],
  moderation_blocked: [422, 'invalid_request_error'],
  internal_error: [500, 'server_error'],
};

export function statusOf(code: ErrorCode): { status: number; type: string } {
  const [status, type] = TABLE[code] ?? TABLE.internal_error;
  return { status, type };
}

import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, type ErrorCode, isAppError } from '../errors.js';
import { renderErrorPage } from '../web/error-page.js';
import { pagePolicy } from '../web/page-policy.js';
import { statusOf } from './error-status.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The route answers an HTML page: when it errs, a browser (Accept preferring text/html) gets
     * the error as an HTML page; any other client keeps the JSON envelope.
     */
    page?: boolean;
  }
}

/** Which code a schema failure on a field maps to; anything else is invalid_parameter. */
const FIELD_CODES: Record<string, ErrorCode> = {
  timestamps: 'invalid_timestamps',
  url: 'invalid_url',
  // The SDK's createCharacter without its video file.
  video: 'missing_source',
};

/** The OpenAI envelope of an error, and its status. */
export function envelopeOf(err: AppError): { status: number; body: { error: { message: string; type: string; param: string | null; code: string } } } {
  const { status, type } = statusOf(err.code);
  return { status, body: { error: { message: err.message, type, param: err.param, code: err.code } } };
}

export function sendError(reply: FastifyReply, err: AppError, statusOverride?: number): FastifyReply {
  const { status, body } = envelopeOf(err);
  if (err.retryAfter !== undefined) reply.header('retry-after', String(err.retryAfter));
  return reply.code(statusOverride ?? status).send(body);
}

/** What Node's HTTP parser and its timeouts report on a connection (the `clientError` event). */
export interface ConnectionError extends Error {
  code?: string;
  bytesParsed?: number;
  /** The chunk being parsed: a Buffer (Fastify's type says otherwise). */
  rawPacket?: unknown;
}

/**
 * The code of an error Node met before there was a request: a timeout, a request line or headers
 * past Node's limit (16 KiB in all), anything else the parser refused. 414 only when the parsed
 * bytes show the overflow inside the request line; otherwise it cannot be told from large headers.
 */
export function connectionErrorToAppError(err: ConnectionError): AppError {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return new AppError('request_timeout', 'the request was not received in time');
  }
  if (err.code === 'HPE_HEADER_OVERFLOW') {
    const parsed = Buffer.isBuffer(err.rawPacket) ? err.rawPacket.subarray(0, err.bytesParsed) : null;
    const inRequestLine = !!parsed && /^[A-Z]+ /.test(parsed.subarray(0, 16).toString('latin1')) && !parsed.includes(10);
    return inRequestLine ? new AppError('url_too_long', 'the URL is too long') : new AppError('headers_too_large', 'the request headers are too large');
  }
  return new AppError('malformed_request', 'the request is not valid HTTP');
}

/** Fastify's own refusals before routing (a URL that cannot be decoded, a path parameter past maxParamLength). */
export function frameworkErrorToAppError(err: FastifyError): AppError {
  switch (err.code) {
    case 'FST_ERR_BAD_URL':
      return new AppError('malformed_request', 'the URL is not valid (bad percent-encoding)');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new AppError('url_too_long', 'a path segment of the URL is too long');
    default:
      return new AppError('internal_error', 'something went wrong on our side');
  }
}

/** Fastify's `frameworkErrors` option: those refusals in the envelope too (no hooks run for them). */
export function frameworkErrorHandler(headers: Record<string, string>) {
  return (err: FastifyError, _req: FastifyRequest, reply: FastifyReply) => sendError(reply.headers(headers), frameworkErrorToAppError(err));
}

/** Turns whatever was thrown into an AppError: the one place where framework errors get their codes. */
function toAppError(err: FastifyError | Error): { error: AppError; status?: number } {
  if (isAppError(err)) return { error: err };
  if (hasZodFastifySchemaValidationErrors(err)) {
    const issue = err.validation[0];
    const path = (issue?.instancePath ?? '').split('/').filter(Boolean);
    const field = path[0] ?? (issue?.params as { issue?: { path?: string[] } })?.issue?.path?.[0] ?? null;
    const code = (field && FIELD_CODES[field]) || 'invalid_parameter';
    const where = err.validationContext === 'body' ? '' : ` in the ${err.validationContext}`;
    const message = field ? `invalid \`${field}\`${where}: ${issue?.message}` : `invalid request${where}: ${issue?.message}`;
    return { error: new AppError(code, message, { param: field }) };
  }
  const fe = err as FastifyError;
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { error: new AppError('invalid_json', 'the request body is not valid JSON') };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
      return { error: new AppError('body_too_large', 'the request body is too large') };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { error: new AppError('unsupported_media', 'send application/json (or multipart/form-data where documented)'), status: 415 };
    case 'FST_ERR_RATE_LIMIT_EXCEEDED':
      return { error: new AppError('rate_limit_exceeded', 'too many requests for this key; slow down') };
  }
  if (err instanceof SyntaxError && fe.statusCode === 400) {
    return { error: new AppError('invalid_json', 'the request body is not valid JSON') };
  }
  if (fe.statusCode === 429) return { error: new AppError('rate_limit_exceeded', 'too many requests for this key; slow down') };
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { error: new AppError('invalid_parameter', 'the request could not be understood') };
  }
  return { error: new AppError('internal_error', 'something went wrong on our side') };
}

/** Whether an Accept header asks for HTML before JSON (a browser's does; curl's `*\/*` and an SDK's do not). */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  let html = 0;
  let json = 0;
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.split(';').map((p) => p.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q)) continue;
    if (type === 'text/html' || type === 'application/xhtml+xml') html = Math.max(html, q);
    else if (type === 'application/json') json = Math.max(json, q);
  }
  return html > 0 && html >= json;
}

const PAGE_TITLES: Record<number, string> = { 404: 'Page not found', 429: 'Too many requests' };

/** An error of a page route, as the HTML page a browser shows (never indexed, never cached). */
export function sendErrorPage(reply: FastifyReply, err: AppError, statusOverride?: number): FastifyReply {
  const status = statusOverride ?? statusOf(err.code).status;
  const headerRetry = Number(reply.getHeader('retry-after'));
  const retryAfter = err.retryAfter ?? (Number.isFinite(headerRetry) && headerRetry > 0 ? headerRetry : undefined);
  if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
  const serverSide = status >= 500;
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-robots-tag', 'noindex, nofollow')
    .header('content-security-policy', pagePolicy())
    .send(
      renderErrorPage({
        status,
        title: PAGE_TITLES[status] ?? (serverSide ? 'Something went wrong' : 'This page cannot be shown'),
        message: serverSide
          ? 'Something went wrong on our side. Try again later.'
          : status === 429
            ? 'Too many pages were opened from your address in a short time.'
            : err.message,
        retryAfter,
      }),
    );
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const { error, status } = toAppError(err);
    if (error.code === 'internal_error') request.log.error({ err }, 'unhandled error');
    if (request.routeOptions.config?.page && prefersHtml(request.headers.accept)) return sendErrorPage(reply, error, status);
    return sendError(reply, error, status);
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, new AppError('not_found', `no route ${request.method} ${request.url.split('?')[0]}`)));
}

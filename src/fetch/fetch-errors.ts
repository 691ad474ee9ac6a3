import { AppError } from '../errors.js';

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const DNS_FAILURE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME']);

export function toDownloadError(err: unknown, deadline: AbortSignal, callerSignal: AbortSignal | undefined): unknown {
  if (callerSignal?.aborted && !deadline.aborted) return callerSignal.reason;
  if (err instanceof AppError) return err;
  if (deadline.aborted) return deadline.reason;
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code === 'string') {
    if (TIMEOUT_CODES.has(e.code)) return new AppError('source_timeout', 'source did not answer in time', { param: 'url', cause: err });
    if (DNS_FAILURE_CODES.has(e.code)) return unreachable('could not resolve the source host', err);
    // Errors of the local file carry its path: keep that out of the message.
    if (typeof e.path === 'string') return new AppError('internal_error', 'could not store the source', { cause: err });
    if (e.code === 'ECONNREFUSED') return unreachable('source refused the connection', err);
  }
  return unreachable('could not reach the source', err);
}

export function unreachable(message: string, cause?: unknown): AppError {
  return new AppError('source_unreachable', message, { param: 'url', cause });
}

/** A final answer that is not 2xx: a 4xx means the URL is wrong (the caller's to fix), anything else that the source failed. */
export function originAnswered(status: number): AppError {
  const message = `the source answered HTTP ${status}`;
  if (status >= 400 && status < 500) return new AppError('invalid_url', message, { param: 'url' });
  return unreachable(message);
}

export function tooLarge(maxBytes: number): AppError {
  return new AppError('source_too_large', `source is larger than ${maxBytes} bytes`, { param: 'url' });
}

export function timedOut(timeoutMs: number): AppError {
  return new AppError('source_timeout', `source download took longer than ${timeoutMs} ms`, { param: 'url' });
}

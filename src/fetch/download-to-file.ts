import { rm, open } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { request } from 'undici';
import { AppError } from '../errors.js';
import { parseSourceUrl, type SourceUrlRules } from './parse-source-url.js';
import { createSafeDispatcher } from './safe-dispatcher.js';
import type { DownloadLimits, DownloadResult, NetworkOverrides } from './types.js';

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const DNS_FAILURE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'EAI_NODATA', 'EAI_NONAME']);

const REQUEST_HEADERS = {
  'user-agent': 'sora-characters',
  accept: 'video/*, application/octet-stream;q=0.9, */*;q=0.1',
  // The bytes must be the file itself, never a compressed transfer of it.
  'accept-encoding': 'identity',
};

/**
 * GETs an http(s) source onto `destPath`, streaming, with every hop of every redirect checked
 * against the SSRF rules before and after DNS. On failure nothing is left at `destPath`.
 */
export async function downloadToFile(
  url: string,
  destPath: string,
  limits: DownloadLimits,
  signal?: AbortSignal,
  overrides: NetworkOverrides = {},
): Promise<DownloadResult> {
  const rules: SourceUrlRules = { allowPrivate: limits.allowPrivate, isForbiddenAddress: overrides.isForbiddenAddress };
  let current = parseSourceUrl(url, rules);
  signal?.throwIfAborted();

  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(timedOut(limits.timeoutMs)), limits.timeoutMs);
  const abortSignal = signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal;
  const dispatcher = createSafeDispatcher({
    allowPrivate: limits.allowPrivate,
    resolveHost: overrides.resolveHost,
    isForbiddenAddress: overrides.isForbiddenAddress,
    connectTimeoutMs: Math.min(limits.timeoutMs, 10_000),
  });

  try {
    for (let redirects = 0; ; redirects++) {
      const response = await request(current, { method: 'GET', headers: REQUEST_HEADERS, dispatcher, signal: abortSignal });
      const status = response.statusCode;

      if (REDIRECT_STATUSES.has(status)) {
        await response.body.dump();
        const location = singleHeader(response.headers.location);
        if (!location) throw unreachable(`source answered HTTP ${status} without a Location`);
        if (redirects >= limits.maxRedirects) {
          throw unreachable(`source redirected more than ${limits.maxRedirects} times`);
        }
        current = parseSourceUrl(resolveLocation(location, current), rules);
        continue;
      }
      if (status < 200 || status > 299) {
        await response.body.dump();
        throw unreachable(`source answered HTTP ${status}`);
      }

      const declared = Number(singleHeader(response.headers['content-length']));
      if (Number.isFinite(declared) && declared > limits.maxBytes) {
        // Destroying an undici body emits an AbortError: without a listener it would crash the process.
        response.body.on('error', () => {}).destroy();
        throw tooLarge(limits.maxBytes);
      }

      const bytes = await streamToFile(response.body, destPath, limits.maxBytes, abortSignal);
      return { bytes, contentType: singleHeader(response.headers['content-type']), finalUrl: current.href };
    }
  } catch (err) {
    throw toDownloadError(err, deadline.signal, signal);
  } finally {
    clearTimeout(timer);
    dispatcher.destroy().catch(() => {});
  }
}

async function streamToFile(body: Readable, destPath: string, maxBytes: number, signal: AbortSignal): Promise<number> {
  let bytes = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      if (bytes > maxBytes) callback(tooLarge(maxBytes));
      else callback(null, chunk);
    },
  });
  // Opened before the pipeline starts so that the cleanup below can never race the creation.
  const file = await open(destPath, 'w');
  try {
    await pipeline(body, cap, file.createWriteStream(), { signal });
  } catch (err) {
    await file.close().catch(() => {});
    await rm(destPath, { force: true });
    throw err;
  }
  return bytes;
}

function resolveLocation(location: string, base: URL): string {
  try {
    return new URL(location, base).href;
  } catch {
    throw unreachable('source redirected to an invalid URL');
  }
}

function singleHeader(value: string | string[] | undefined): string | null {
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

function toDownloadError(err: unknown, deadline: AbortSignal, callerSignal: AbortSignal | undefined): unknown {
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

function unreachable(message: string, cause?: unknown): AppError {
  return new AppError('source_unreachable', message, { param: 'url', cause });
}

function tooLarge(maxBytes: number): AppError {
  return new AppError('source_too_large', `source is larger than ${maxBytes} bytes`, { param: 'url' });
}

function timedOut(timeoutMs: number): AppError {
  return new AppError('source_timeout', `source download took longer than ${timeoutMs} ms`, { param: 'url' });
}

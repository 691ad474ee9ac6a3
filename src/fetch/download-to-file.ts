import { open, rm } from 'node:fs/promises';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { REQUEST_HEADERS, requestFollowingRedirects, singleHeader } from './checked-request.js';
import type { DownloadLimits, DownloadResult, NetworkOverrides } from './download-options.js';
import { originAnswered, timedOut, toDownloadError, tooLarge } from './fetch-errors.js';
import { parseSourceUrl, type SourceUrlRules } from './parse-source-url.js';
import { createSafeDispatcher } from './safe-dispatcher.js';

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
  opts: { divertRangeableFrom?: number } = {},
): Promise<DownloadResult> {
  const rules: SourceUrlRules = { allowPrivate: limits.allowPrivate, isForbiddenAddress: overrides.isForbiddenAddress };
  const current = parseSourceUrl(url, rules);
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
    const { response, url: finalUrl } = await requestFollowingRedirects(current, {
      rules,
      dispatcher,
      maxRedirects: limits.maxRedirects,
      signal: abortSignal,
      headers: REQUEST_HEADERS,
    });
    if (response.statusCode < 200 || response.statusCode > 299) {
      // Not dumped: an error page whose body never comes would hold the answer until the deadline.
      response.body.on('error', () => {}).destroy();
      throw originAnswered(response.statusCode);
    }

    const declared = Number(singleHeader(response.headers['content-length']));
    // A large source whose server takes ranges is better read in place: stop here and say so
    // (MAX_SOURCE_BYTES then caps the bytes actually read).
    const ranges = singleHeader(response.headers['accept-ranges'])?.toLowerCase() === 'bytes';
    if (opts.divertRangeableFrom !== undefined && ranges && Number.isFinite(declared) && declared >= opts.divertRangeableFrom) {
      response.body.on('error', () => {}).destroy();
      return { bytes: 0, contentType: singleHeader(response.headers['content-type']), finalUrl: finalUrl.href, diverted: true };
    }

    if (Number.isFinite(declared) && declared > limits.maxBytes) {
      // Destroying an undici body emits an AbortError: without a listener it would crash the process.
      response.body.on('error', () => {}).destroy();
      throw tooLarge(limits.maxBytes);
    }

    const bytes = await streamToFile(response.body, destPath, limits.maxBytes, abortSignal);
    return { bytes, contentType: singleHeader(response.headers['content-type']), finalUrl: finalUrl.href };
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

import { checkDataUrl } from './data-url.js';
import { fetchSource, isDataUrl } from './fetch-source.js';
import { parseSourceUrl } from './parse-source-url.js';
import { openRangeSource, type RangeSource } from './range-source.js';
import type { DownloadLimits, DownloadResult, NetworkOverrides } from './types.js';

/** Below this size a source is downloaded whole: one request beats several range reads. */
export const RANGE_READ_MIN_BYTES = 32 * 1024 * 1024;

export interface SourceFetcher {
  /** Request-time checks that need no network: scheme, credentials, literal private hosts, data: syntax and size. */
  checkUrl(url: string): void;
  /** Brings the source onto `destPath` within the limits; leaves nothing there on failure. */
  fetchToFile(url: string, destPath: string, signal?: AbortSignal): Promise<DownloadResult>;
  /** A large http(s) source whose server honours Range, opened for reading in place; else null. */
  openRange(url: string, signal?: AbortSignal): Promise<RangeSource | null>;
}

export function createSourceFetcher(limits: DownloadLimits, overrides: NetworkOverrides = {}): SourceFetcher {
  return {
    checkUrl(url) {
      if (isDataUrl(url)) checkDataUrl(url, limits.maxBytes);
      else parseSourceUrl(url, { allowPrivate: limits.allowPrivate, isForbiddenAddress: overrides.isForbiddenAddress });
    },
    fetchToFile: (url, destPath, signal) => fetchSource(url, destPath, limits, signal, overrides),
    openRange: (url, signal) =>
      isDataUrl(url) ? Promise.resolve(null) : openRangeSource(url, limits, { minBytes: limits.rangeReadMinBytes ?? RANGE_READ_MIN_BYTES, signal }, overrides),
  };
}

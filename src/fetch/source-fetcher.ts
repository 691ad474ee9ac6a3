import { checkDataUrl } from './data-url.js';
import { downloadToFile } from './download-to-file.js';
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
  /**
   * Downloads the source to `destPath`, unless it is a large http(s) source whose server honours
   * Range: that one is opened for reading in place instead (no second download of the head).
   */
  fetchOrOpen(url: string, destPath: string, signal?: AbortSignal): Promise<{ path: string } | { range: RangeSource }>;
}

export function createSourceFetcher(limits: DownloadLimits, overrides: NetworkOverrides = {}): SourceFetcher {
  return {
    checkUrl(url) {
      if (isDataUrl(url)) checkDataUrl(url, limits.maxBytes);
      else parseSourceUrl(url, { allowPrivate: limits.allowPrivate, isForbiddenAddress: overrides.isForbiddenAddress });
    },
    fetchToFile: (url, destPath, signal) => fetchSource(url, destPath, limits, signal, overrides),
    async fetchOrOpen(url, destPath, signal) {
      if (isDataUrl(url)) {
        await fetchSource(url, destPath, limits, signal, overrides);
        return { path: destPath };
      }
      const minBytes = limits.rangeReadMinBytes ?? RANGE_READ_MIN_BYTES;
      const first = await downloadToFile(url, destPath, limits, signal, overrides, { divertRangeableFrom: minBytes });
      if (!first.diverted) return { path: destPath };
      const range = await openRangeSource(first.finalUrl, limits, { minBytes, signal }, overrides);
      if (range) return { range };
      // It advertised ranges but did not honour them: download it whole after all.
      await downloadToFile(url, destPath, limits, signal, overrides);
      return { path: destPath };
    },
  };
}

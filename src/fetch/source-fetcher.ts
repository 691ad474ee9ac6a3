import type { SourceFetcher } from '../characters/ports.js';
import { isDataUrl } from '../source-url.js';
import { checkDataUrl } from './data-url.js';
import type { DownloadLimits, NetworkOverrides } from './download-options.js';
import { downloadToFile } from './download-to-file.js';
import { fetchSource } from './fetch-source.js';
import { parseSourceUrl } from './parse-source-url.js';
import { openRangeSource } from './range-source.js';

/** Below this size a source is downloaded whole: one request beats several range reads. */
export const RANGE_READ_MIN_BYTES = 32 * 1024 * 1024;

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

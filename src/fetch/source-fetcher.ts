import { checkDataUrl } from './data-url.js';
import { fetchSource, isDataUrl } from './fetch-source.js';
import { parseSourceUrl } from './parse-source-url.js';
import type { DownloadLimits, DownloadResult, NetworkOverrides } from './types.js';

export interface SourceFetcher {
  /** Request-time checks that need no network: scheme, credentials, literal private hosts, data: syntax and size. */
  checkUrl(url: string): void;
  /** Brings the source onto `destPath` within the limits; leaves nothing there on failure. */
  fetchToFile(url: string, destPath: string, signal?: AbortSignal): Promise<DownloadResult>;
}

export function createSourceFetcher(limits: DownloadLimits, overrides: NetworkOverrides = {}): SourceFetcher {
  return {
    checkUrl(url) {
      if (isDataUrl(url)) checkDataUrl(url, limits.maxBytes);
      else parseSourceUrl(url, { allowPrivate: limits.allowPrivate, isForbiddenAddress: overrides.isForbiddenAddress });
    },
    fetchToFile: (url, destPath, signal) => fetchSource(url, destPath, limits, signal, overrides),
  };
}

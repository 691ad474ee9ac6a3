import { writeDataUrlToFile } from './data-url.js';
import { downloadToFile } from './download-to-file.js';
import type { DownloadLimits, DownloadResult, NetworkOverrides } from './types.js';

export { isForbiddenAddress } from './address-policy.js';
export { parseSourceUrl } from './parse-source-url.js';
export { createSafeDispatcher, systemResolver } from './safe-dispatcher.js';
export { downloadToFile } from './download-to-file.js';
export { writeDataUrlToFile } from './data-url.js';
export type * from './types.js';

/** Brings a source (`data:` or http(s) URL) onto local disk at `destPath`, within `limits`. */
export async function fetchSource(
  url: string,
  destPath: string,
  limits: DownloadLimits,
  signal?: AbortSignal,
  overrides?: NetworkOverrides,
): Promise<DownloadResult> {
  if (/^\s*data:/i.test(url)) {
    signal?.throwIfAborted();
    return writeDataUrlToFile(url, destPath, limits.maxBytes);
  }
  return downloadToFile(url, destPath, limits, signal, overrides);
}

import { isDataUrl } from '../source-url.js';
import { writeDataUrlToFile } from './data-url.js';
import type { DownloadLimits, DownloadResult, NetworkOverrides } from './download-options.js';
import { downloadToFile } from './download-to-file.js';

/** Brings a source (`data:` or http(s) URL) onto local disk at `destPath`, within `limits`. */
export async function fetchSource(
  url: string,
  destPath: string,
  limits: DownloadLimits,
  signal?: AbortSignal,
  overrides?: NetworkOverrides,
): Promise<DownloadResult> {
  if (isDataUrl(url)) {
    signal?.throwIfAborted();
    return writeDataUrlToFile(url, destPath, limits.maxBytes);
  }
  return downloadToFile(url, destPath, limits, signal, overrides);
}

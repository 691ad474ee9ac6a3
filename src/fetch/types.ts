/** What the character pipeline needs to bring a remote video onto local disk, safely. */
export interface DownloadLimits {
  maxBytes: number;
  /** Whole download, connect to last byte. */
  timeoutMs: number;
  /** ALLOW_PRIVATE_URLS: let loopback and private ranges through (development, tests). */
  allowPrivate: boolean;
  maxRedirects: number;
}

export interface DownloadResult {
  bytes: number;
  contentType: string | null;
  finalUrl: string;
}

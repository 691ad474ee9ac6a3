/** What the character pipeline needs to bring a remote video onto local disk, safely. */
export interface DownloadLimits {
  maxBytes: number;
  /** Whole download, connect to last byte. */
  timeoutMs: number;
  /** ALLOW_PRIVATE_URLS: let loopback and private ranges through (development, tests). */
  allowPrivate: boolean;
  maxRedirects: number;
  /** Sources at least this large are read in place with Range requests when the server allows. */
  rangeReadMinBytes?: number;
}

export interface DownloadResult {
  bytes: number;
  contentType: string | null;
  finalUrl: string;
  /** Nothing was written: the source is large and its server takes ranges (see divertRangeableFrom). */
  diverted?: boolean;
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Turns a hostname into every address it resolves to (dns.lookup with all: true by default). */
export type HostResolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** Judges one IP address; true means the service must not connect to it. */
export type AddressPolicy = (ip: string) => boolean;

/**
 * Seams for tests: production passes nothing and gets the system resolver and the strict
 * address policy. Tests use them to make a name like `evil.example` resolve to 127.0.0.1.
 */
export interface NetworkOverrides {
  resolveHost?: HostResolver;
  isForbiddenAddress?: AddressPolicy;
}

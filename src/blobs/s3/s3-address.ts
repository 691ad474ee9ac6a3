/** Where a bucket answers: an S3-compatible endpoint (or AWS itself), path-style or virtual-hosted. */
export interface S3Address {
  bucket: string;
  region: string;
  /** Scheme, host and port (e.g. http://127.0.0.1:9000); null: AWS (https://s3.<region>.amazonaws.com). */
  endpoint: string | null;
  /** true: <endpoint>/<bucket>/<key>; false: <bucket>.<endpoint host>/<key>. */
  forcePathStyle: boolean;
}

/** The URL of an object, its path segments encoded as SigV4 expects (each segment, slashes kept). */
export function objectUrl(address: S3Address, objectKey: string): URL {
  const base = new URL(address.endpoint ?? `https://s3.${address.region}.amazonaws.com`);
  const path = objectKey.split('/').map(encodeRfc3986).join('/');
  if (address.forcePathStyle) return new URL(`${base.origin}/${address.bucket}/${path}`);
  return new URL(`${base.protocol}//${address.bucket}.${base.host}/${path}`);
}

/** SigV4's URI encoding: everything but A-Z a-z 0-9 - _ . ~ is percent-encoded. */
export const encodeRfc3986 = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

import { createHash, createHmac } from 'node:crypto';
import { assertValidBlobKey } from '../../blob-keys.js';
import { encodeRfc3986, objectUrl, type S3Address } from './s3-address.js';

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * A presigned GET of one object: AWS Signature Version 4 in the query string
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html), signed
 * header `host` only, payload `UNSIGNED-PAYLOAD`. Synchronous on purpose: the UrlSigner port is
 * `(key) => string`, and the SDK's presigner is async.
 */
export function presignS3Get(address: S3Address, credentials: S3Credentials, objectKey: string, signedAt: Date, expiresInSeconds: number): string {
  if (!Number.isSafeInteger(expiresInSeconds) || expiresInSeconds < 1 || expiresInSeconds > 604_800) {
    throw new RangeError(`X-Amz-Expires must be 1..604800 seconds, got ${expiresInSeconds}`);
  }
  const url = objectUrl(address, objectKey);
  const amzDate = signedAt.toISOString().replace(/[-:]|\.\d{3}/g, ''); // 20130524T000000Z
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${address.region}/s3/aws4_request`;
  const query: [string, string][] = [
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Credential', `${credentials.accessKeyId}/${scope}`],
    ['X-Amz-Date', amzDate],
    ['X-Amz-Expires', String(expiresInSeconds)],
    ['X-Amz-SignedHeaders', 'host'],
  ];
  const canonicalQuery = query
    .map(([k, v]) => `${encodeRfc3986(k)}=${encodeRfc3986(v)}`)
    .sort()
    .join('&');
  const canonicalRequest = ['GET', url.pathname, canonicalQuery, `host:${url.host}`, '', 'host', 'UNSIGNED-PAYLOAD'].join('\n');
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const signature = createHmac('sha256', signingKey(credentials.secretAccessKey, day, address.region))
    .update(stringToSign)
    .digest('hex');
  return `${url.origin}${url.pathname}?${canonicalQuery}&X-Amz-Signature=${signature}`;
}

/**
 * The UrlSigner of FILE_URLS=presigned: `(blob key) => presigned GET`, valid `ttlSeconds` from
 * now. Within one second a key's URL is the same string, so it is signed once and remembered.
 */
export function createS3UrlPresigner(opts: {
  address: S3Address;
  credentials: S3Credentials;
  /** Prepended to every blob key (STORAGE_URL's prefix, '' or ending in '/'). */
  keyPrefix: string;
  ttlSeconds: number;
  now?: () => number;
}): (key: string) => string {
  const now = opts.now ?? Date.now;
  let second = -1;
  let signed = new Map<string, string>();
  return (key) => {
    assertValidBlobKey(key);
    const t = Math.floor(now() / 1000);
    if (t !== second || signed.size >= 10_000) {
      second = t;
      signed = new Map();
    }
    let url = signed.get(key);
    if (url === undefined) {
      url = presignS3Get(opts.address, opts.credentials, `${opts.keyPrefix}${key}`, new Date(t * 1000), opts.ttlSeconds);
      signed.set(key, url);
    }
    return url;
  };
}

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), "s3"), "aws4_request"). */
function signingKey(secret: string, day: string, region: string): Buffer {
  let key: Buffer | string = `AWS4${secret}`;
  for (const part of [day, region, 's3', 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  return key as Buffer;
}

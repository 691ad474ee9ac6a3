import { createHmac, timingSafeEqual } from 'node:crypto';
import { assertValidBlobKey, isValidBlobKey } from '../blob-keys.js';
import { unixNow } from '../clock.js';

/**
 * Signed, expiring paths of blobs: `/files/<key>?exp=<unix s>&sig=<base64url HMAC-SHA256>`.
 * The MAC covers the key and the expiry, separated by a newline so that no (key, exp) pair can
 * be re-split into another (a key ending in digits vs. a longer exp). The caller picks the
 * lifetime (SIGNED_URL_TTL_SECONDS, 7 days by default) and prefixes PUBLIC_URL.
 */

export type FileSignatureCheck = 'ok' | 'expired' | 'bad';

const EXP_PATTERN = /^\d{1,15}$/;
const SIG_PATTERN = /^[A-Za-z0-9_-]{43}$/; // 32 bytes of HMAC-SHA256, base64url without padding

const mac = (secret: string | Buffer, key: string, exp: string) => createHmac('sha256', secret).update(`${key}\n${exp}`).digest('base64url');

export function signFilePath(secret: string | Buffer, key: string, expiresAt: number): string {
  assertValidBlobKey(key);
  if (!Number.isSafeInteger(expiresAt) || expiresAt < 0) {
    throw new RangeError(`expiresAt must be a whole number of unix seconds, got ${expiresAt}`);
  }
  const exp = String(expiresAt);
  // Key characters ([A-Za-z0-9._/-]) are all URL-safe: the path needs no escaping.
  return `/files/${key}?exp=${exp}&sig=${mac(secret, key, exp)}`;
}

/**
 * Checks the `exp` and `sig` query parameters of a /files request. The signature is checked
 * first, so a tampered `exp` is 'bad', not 'expired'. `now` is unix seconds; a URL is good
 * strictly before its `exp`.
 */
export function verifyFileSignature(
  secret: string | Buffer,
  key: string,
  exp: string | number | undefined,
  sig: string | undefined,
  now: number,
): FileSignatureCheck {
  const expText = typeof exp === 'number' ? String(exp) : exp;
  if (expText === undefined || sig === undefined) return 'bad';
  if (!EXP_PATTERN.test(expText) || !SIG_PATTERN.test(sig) || !isValidBlobKey(key)) return 'bad';
  const expected = Buffer.from(mac(secret, key, expText));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'bad';
  return now < Number(expText) ? 'ok' : 'expired';
}

/**
 * `(key) => <publicUrl>/files/<key>?exp=<now + ttl>&sig=...`, each URL signed afresh every
 * second (exp moves by the second). Within one second a key's URL is the same string, so it is
 * signed once and remembered: the read paths sign two URLs per request.
 */
export function createUrlSigner(opts: {
  secret: string | Buffer;
  publicUrl: string;
  ttlSeconds: number;
  now?: () => number;
  maxEntries?: number;
}): (key: string) => string {
  const now = opts.now ?? unixNow;
  const max = opts.maxEntries ?? 10_000;
  let second = -1;
  let signed = new Map<string, string>();
  return (key) => {
    const t = now();
    if (t !== second || signed.size >= max) {
      second = t;
      signed = new Map();
    }
    let url = signed.get(key);
    if (url === undefined) {
      url = `${opts.publicUrl}${signFilePath(opts.secret, key, t + opts.ttlSeconds)}`;
      signed.set(key, url);
    }
    return url;
  };
}

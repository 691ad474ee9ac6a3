import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The dashboard's session cookie: it names the API key by its id (never the key itself), with an
 * expiry and a random nonce, signed with a key derived from SIGNING_SECRET, so a forged or
 * tampered cookie is refused before any lookup. The session itself is a stored row (keyed by the
 * nonce's hash, see KeyService.startSession): signing out deletes it, and every request checks
 * it and that the key is not revoked.
 *
 *   v1.<keyId>.<exp unix s>.<nonce>.<HMAC-SHA256 base64url>
 *
 * The CSRF token of a session is an HMAC of its nonce: forms carry it, every POST checks it.
 */

export const SESSION_COOKIE = 'sc_session';
/** Set by the sign-in page; the sign-in form proves it came from that page (no login CSRF). */
export const LOGIN_COOKIE = 'sc_login';
export const SESSION_TTL_SECONDS = 12 * 60 * 60;

export interface Session {
  keyId: string;
  expiresAt: number;
  nonce: string;
}

const KEY_ID = /^key_[A-Za-z0-9_]{1,64}$/;
const NONCE = /^[A-Za-z0-9_-]{22}$/;
const MAC = /^[A-Za-z0-9_-]{43}$/;

/** A key of its own for the dashboard, so no signed file URL can pass for a session or a token. */
export const dashboardSecret = (signingSecret: string | Buffer): Buffer =>
  createHmac('sha256', signingSecret).update('sora-characters dashboard session v1').digest();

const mac = (secret: Buffer, text: string) => createHmac('sha256', secret).update(text).digest('base64url');

const sameMac = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export const newNonce = () => randomBytes(16).toString('base64url');

export function signSession(secret: Buffer, s: Session): string {
  const body = `v1.${s.keyId}.${s.expiresAt}.${s.nonce}`;
  return `${body}.${mac(secret, `session\n${body}`)}`;
}

/** The session of a cookie value, or null when it is malformed, forged or expired. */
export function readSession(secret: Buffer, value: string | undefined, now: number): Session | null {
  if (!value || value.length > 200) return null;
  const parts = value.split('.');
  if (parts.length !== 5) return null;
  const [version, keyId, exp, nonce, sig] = parts as [string, string, string, string, string];
  if (version !== 'v1' || !KEY_ID.test(keyId) || !/^\d{1,12}$/.test(exp) || !NONCE.test(nonce) || !MAC.test(sig)) return null;
  if (!sameMac(sig, mac(secret, `session\n${version}.${keyId}.${exp}.${nonce}`))) return null;
  const expiresAt = Number(exp);
  return now < expiresAt ? { keyId, expiresAt, nonce } : null;
}

/** The CSRF token of a session (or of a sign-in page's nonce). */
export const csrfToken = (secret: Buffer, purpose: 'session' | 'login', nonce: string) => mac(secret, `csrf\n${purpose}\n${nonce}`);

export const csrfMatches = (secret: Buffer, purpose: 'session' | 'login', nonce: string, given: unknown): boolean =>
  typeof given === 'string' && MAC.test(given) && sameMac(given, csrfToken(secret, purpose, nonce));

/** The cookies of a request header (the first of each name wins). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    const name = pair.slice(0, eq).trim();
    if (name && !out.has(name)) out.set(name, pair.slice(eq + 1).trim());
  }
  return out;
}

/** A Set-Cookie value: HttpOnly, SameSite=Strict, Path=/, Secure when the site is served over https. */
export function cookie(name: string, value: string, opts: { maxAge: number; secure: boolean }): string {
  return [`${name}=${value}`, 'Path=/', `Max-Age=${opts.maxAge}`, 'HttpOnly', 'SameSite=Strict', ...(opts.secure ? ['Secure'] : [])].join('; ');
}

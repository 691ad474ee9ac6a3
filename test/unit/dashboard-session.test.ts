import { describe, expect, it } from 'vitest';
import { cookie, csrfMatches, csrfToken, dashboardSecret, parseCookies, readSession, signSession } from '../../src/api/dashboard/session.js';

const secret = dashboardSecret('a-signing-secret');
const session = { keyId: 'key_static_0123456789abcdef01234567', expiresAt: 2_000_000_000, nonce: 'AAAAAAAAAAAAAAAAAAAAAA' };

describe('dashboard session cookie', () => {
  it('reads back what it signed, before its expiry only', () => {
    const value = signSession(secret, session);
    expect(readSession(secret, value, 1_999_999_999)).toEqual(session);
    expect(readSession(secret, value, 2_000_000_000)).toBeNull();
  });

  it('refuses another secret, a changed part, a malformed or oversized value', () => {
    const value = signSession(secret, session);
    const [v, keyId, exp, nonce, sig] = value.split('.') as [string, string, string, string, string];
    expect(readSession(dashboardSecret('another'), value, 0)).toBeNull();
    // The file-URL key is not the session key: the signing secret itself does not sign sessions.
    expect(readSession(Buffer.from('a-signing-secret'), value, 0)).toBeNull();
    for (const bad of [
      `${v}.key_other.${exp}.${nonce}.${sig}`,
      `${v}.${keyId}.${Number(exp) + 1}.${nonce}.${sig}`,
      `${v}.${keyId}.${exp}.BBBBBBBBBBBBBBBBBBBBBB.${sig}`,
      `v2.${keyId}.${exp}.${nonce}.${sig}`,
      `${value}.x`,
      value.slice(0, -1),
      '',
      'x'.repeat(500),
    ]) {
      expect(readSession(secret, bad, 0), bad).toBeNull();
    }
    expect(readSession(secret, undefined, 0)).toBeNull();
  });

  it('has CSRF tokens bound to the nonce and the purpose', () => {
    const t = csrfToken(secret, 'session', session.nonce);
    expect(csrfMatches(secret, 'session', session.nonce, t)).toBe(true);
    expect(csrfMatches(secret, 'login', session.nonce, t)).toBe(false);
    expect(csrfMatches(secret, 'session', 'BBBBBBBBBBBBBBBBBBBBBB', t)).toBe(false);
    expect(csrfMatches(secret, 'session', session.nonce, undefined)).toBe(false);
    expect(csrfMatches(secret, 'session', session.nonce, ['x'])).toBe(false);
    expect(csrfMatches(secret, 'session', session.nonce, `${t}x`)).toBe(false);
  });

  it('writes HttpOnly, SameSite=Strict cookies for the whole site, Secure when asked', () => {
    expect(cookie('sc_session', 'v', { maxAge: 60, secure: false })).toBe('sc_session=v; Path=/; Max-Age=60; HttpOnly; SameSite=Strict');
    expect(cookie('sc_session', '', { maxAge: 0, secure: true })).toBe('sc_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict; Secure');
  });

  it('parses a Cookie header, the first of a name winning', () => {
    const c = parseCookies('a=1; sc_session=v1.x; a=2;junk; b = 3 ');
    expect(c.get('a')).toBe('1');
    expect(c.get('sc_session')).toBe('v1.x');
    expect(c.get('b')).toBe('3');
    expect(parseCookies(undefined).size).toBe(0);
  });
});

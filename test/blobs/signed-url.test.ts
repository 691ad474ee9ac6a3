import { describe, expect, it } from 'vitest';
import { createUrlSigner, signFilePath, verifyFileSignature } from '../../src/api/signed-url.js';

const SECRET = 'test-signing-secret';
const KEY = 'characters/ch_691155df38588191b3ae5f2d390a4359/portrait.webp';
const NOW = 1_800_000_000;
const EXP = NOW + 7 * 24 * 3600;

/** Splits a signed path the way the /files route will. */
function parts(signed: string) {
  const url = new URL(signed, 'http://localhost');
  return {
    key: url.pathname.replace(/^\/files\//, ''),
    exp: url.searchParams.get('exp') ?? undefined,
    sig: url.searchParams.get('sig') ?? undefined,
  };
}

describe('signed file URLs', () => {
  it('signs a /files path with exp and a base64url HMAC', () => {
    const signed = signFilePath(SECRET, KEY, EXP);
    expect(signed).toMatch(new RegExp(`^/files/${KEY}\\?exp=${EXP}&sig=[A-Za-z0-9_-]{43}$`));
    expect(signFilePath(SECRET, KEY, EXP)).toBe(signed); // deterministic
  });

  it('verifies its own signature before expiry', () => {
    const { key, exp, sig } = parts(signFilePath(SECRET, KEY, EXP));
    expect(key).toBe(KEY);
    expect(verifyFileSignature(SECRET, key, exp, sig, NOW)).toBe('ok');
    expect(verifyFileSignature(SECRET, key, Number(exp), sig, EXP - 1)).toBe('ok');
  });

  it('is expired at and after exp', () => {
    const { key, exp, sig } = parts(signFilePath(SECRET, KEY, EXP));
    expect(verifyFileSignature(SECRET, key, exp, sig, EXP)).toBe('expired');
    expect(verifyFileSignature(SECRET, key, exp, sig, EXP + 3600)).toBe('expired');
  });

  it('refuses a tampered key', () => {
    const { exp, sig } = parts(signFilePath(SECRET, KEY, EXP));
    expect(verifyFileSignature(SECRET, KEY.replace('portrait.webp', 'clip.mp4'), exp, sig, NOW)).toBe('bad');
    expect(verifyFileSignature(SECRET, '../secret', exp, sig, NOW)).toBe('bad');
  });

  it('refuses a tampered exp, even an expired-looking one', () => {
    const { key, sig } = parts(signFilePath(SECRET, KEY, EXP));
    expect(verifyFileSignature(SECRET, key, String(EXP + 1), sig, NOW)).toBe('bad');
    expect(verifyFileSignature(SECRET, key, String(NOW - 10), sig, NOW)).toBe('bad');
    expect(verifyFileSignature(SECRET, key, `0${EXP}`, sig, NOW)).toBe('bad');
    expect(verifyFileSignature(SECRET, key, `${EXP}.0`, sig, NOW)).toBe('bad');
    expect(verifyFileSignature(SECRET, key, '-1', sig, NOW)).toBe('bad');
  });

  it('refuses a bad, missing or foreign signature', () => {
    const { key, exp, sig } = parts(signFilePath(SECRET, KEY, EXP));
    const flipped = (sig![0] === 'A' ? 'B' : 'A') + sig!.slice(1);
    expect(verifyFileSignature(SECRET, key, exp, flipped, NOW)).toBe('bad');
    expect(verifyFileSignature(SECRET, key, exp, sig!.slice(1), NOW)).toBe('bad');
    expect(verifyFileSignature(SECRET, key, exp, `${sig}=`, NOW)).toBe('bad');
    expect(verifyFileSignature(SECRET, key, exp, '', NOW)).toBe('bad');
    expect(verifyFileSignature(SECRET, key, exp, undefined, NOW)).toBe('bad');
    expect(verifyFileSignature(SECRET, key, undefined, sig, NOW)).toBe('bad');
    expect(verifyFileSignature('another-secret', key, exp, sig, NOW)).toBe('bad');
  });

  it('binds key and exp apart: moving digits between them breaks the signature', () => {
    const signed = parts(signFilePath(SECRET, 'a/blob1', 23));
    expect(verifyFileSignature(SECRET, 'a/blob', '123', signed.sig, 0)).toBe('bad');
  });

  it('refuses to sign a bad key or expiry', () => {
    expect(() => signFilePath(SECRET, '../etc/passwd', EXP)).toThrow(/invalid blob key/);
    expect(() => signFilePath(SECRET, KEY, 1.5)).toThrow(RangeError);
    expect(() => signFilePath(SECRET, KEY, -1)).toThrow(RangeError);
  });

  it('accepts a Buffer secret equal to the string one', () => {
    const { key, exp, sig } = parts(signFilePath(Buffer.from(SECRET), KEY, EXP));
    expect(verifyFileSignature(SECRET, key, exp, sig, NOW)).toBe('ok');
  });

  it('createUrlSigner: PUBLIC_URL + a path valid for the TTL, the same string within a second, new the next', () => {
    let t = NOW;
    const sign = createUrlSigner({ secret: SECRET, publicUrl: 'https://chars.example', ttlSeconds: 3600, now: () => t });
    const first = sign(KEY);
    expect(first).toBe(`https://chars.example${signFilePath(SECRET, KEY, NOW + 3600)}`);
    expect(sign(KEY)).toBe(first);
    const other = 'characters/ch_691155df38588191b3ae5f2d390a4359/clip.mp4';
    expect(sign(other)).toBe(`https://chars.example${signFilePath(SECRET, other, NOW + 3600)}`);
    t = NOW + 1;
    const next = sign(KEY);
    expect(next).not.toBe(first);
    const { key, exp, sig } = parts(next);
    expect(verifyFileSignature(SECRET, key, exp, sig, NOW + 3600)).toBe('ok');
    expect(verifyFileSignature(SECRET, key, exp, sig, NOW + 3601)).toBe('expired');
  });

  it('createUrlSigner past maxEntries in one second: starts a new map, answers stay right', () => {
    const sign = createUrlSigner({ secret: SECRET, publicUrl: '', ttlSeconds: 60, now: () => NOW, maxEntries: 2 });
    const keys = ['a/1.webp', 'a/2.webp', 'a/3.webp'];
    for (const k of keys) expect(sign(k)).toBe(signFilePath(SECRET, k, NOW + 60));
    expect(sign('a/1.webp')).toBe(signFilePath(SECRET, 'a/1.webp', NOW + 60));
  });
});

import net from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { isForbiddenAddress } from '../../src/fetch/address-policy.js';
import { hostWithoutBrackets, parseSourceUrl } from '../../src/fetch/parse-source-url.js';
import { dottedOf, inForbiddenV4, privateHost, urlAt, v4Notation } from './support/address-notations.js';
import { sourceUrlValue } from './support/arbitraries.js';
import { ATTACK_SEED, sized } from './support/attack-scale.js';

/**
 * issue #12 point 7, property-based: source URLs (src/fetch/parse-source-url.ts), with
 * ALLOW_PRIVATE_URLS=false. Any string gives a URL or an AppError, nothing else; no private,
 * loopback or reserved address is ever accepted, in any notation (checked against a table of
 * ranges kept in the test, like test/fetch/address-policy.test.ts); an accepted URL is http(s),
 * without credentials, and its literal address (if any) is public.
 */
const params = { seed: ATTACK_SEED, numRuns: sized(300, 50_000) };
const strict = { allowPrivate: false };

function judge(input: string): { url: URL } | { refused: AppError } {
  try {
    return { url: parseSourceUrl(input, strict) };
  } catch (err) {
    if (!(err instanceof AppError)) throw new Error(`parseSourceUrl(${JSON.stringify(input)}) threw something else: ${String(err)}`);
    return { refused: err };
  }
}

/** What an accepted URL must be, judged without the code under test. */
function expectSafe(input: string, url: URL): void {
  expect(['http:', 'https:'], input).toContain(url.protocol);
  expect(url.username + url.password, input).toBe('');
  const host = hostWithoutBrackets(url.hostname);
  if (net.isIPv4(host)) expect(inForbiddenV4(host), `${input} -> ${host} was accepted`).toBe(false);
  if (net.isIPv6(host)) {
    // Only global unicast (2000::/3) may pass, and the policy must agree it is public.
    expect(/^[23][0-9a-f]{0,3}:/i.test(host), `${input} -> ${host} was accepted`).toBe(true);
    expect(isForbiddenAddress(host)).toBe(false);
  }
  if (net.isIP(host) === 0) expect(host.toLowerCase().replace(/\.+$/, ''), input).not.toMatch(/(^|\.)(localhost|local|internal)$/);
}

describe('fuzz: source URLs with ALLOW_PRIVATE_URLS=false', () => {
  it('arbitrary strings and URL-ish strings: a safe URL or an AppError, never another exception', () => {
    const urlish = fc
      .tuple(
        fc.constantFrom('http://', 'https://', 'HTTP://', 'http:', 'http:/', 'http:\\\\', '//', 'ftp://', 'data:', ''),
        fc.string({ maxLength: 30 }),
        fc.constantFrom('', '/', ':80/', ':0/', ':99999/', '@x/', '#', '?'),
      )
      .map((p) => p.join(''));
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 60 }), urlish, sourceUrlValue), (input) => {
        const o = judge(input);
        if ('url' in o) expectSafe(input, o.url);
        else expect(['invalid_url', 'url_not_allowed']).toContain(o.refused.code);
      }),
      params,
    );
  });

  it('a private, loopback or reserved host in any notation is never accepted', () => {
    fc.assert(
      fc.property(urlAt(privateHost), (input) => {
        const o = judge(input);
        if ('url' in o) throw new Error(`${input} was accepted as ${o.url.href}`);
        // A URL that parses (no credentials, http(s)) must be refused for its address, not by accident.
        if (URL.canParse(input)) expect(o.refused.code, `${input}: ${o.refused.message}`).toBe('url_not_allowed');
      }),
      params,
    );
  });

  it('public addresses in the same notations are accepted (the property above is not vacuous)', () => {
    const publicV4 = fc.integer({ min: 0x01000000, max: 0xdfffffff }).filter((n) => !inForbiddenV4(dottedOf(n)));
    fc.assert(
      fc.property(urlAt(publicV4.chain(v4Notation)), (input) => {
        const o = judge(input);
        if ('refused' in o) throw new Error(`${input} was refused: ${o.refused.message}`);
        expectSafe(input, o.url);
      }),
      params,
    );
  });
});

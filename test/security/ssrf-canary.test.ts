import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isForbiddenAddress } from '../../src/fetch/address-policy.js';
import type { HostResolver } from '../../src/fetch/download-options.js';
import { ATTACK_SEED, sized } from './support/attack-scale.js';
import { type Canary, startCanary } from './support/canary.js';
import { type OfflineHarness, startOfflineHarness } from './support/offline-harness.js';

/**
 * issue #12 point 7, SSRF canary: with ALLOW_PRIVATE_URLS=false, create requests whose URLs name
 * a loopback canary in every notation (literal IPv4 forms, IPv6 forms, localhost names, a DNS
 * name answering loopback through the fetch seam, a redirect from an allowed host) are each
 * refused 403 url_not_allowed, and the canary sees no connection at all. The unit-level checks
 * of each layer stay in test/fetch/; this is the end-to-end proof through the API and the job.
 *
 * The seam (as in test/fetch/download-to-file.test.ts): `public.test` resolves to 127.0.0.2,
 * which the policy is told to treat as public, so a redirecting origin can live there; every
 * other name the test uses resolves to the canary's loopback address.
 */
const PUBLIC_LOOKALIKE = '127.0.0.2';
const DNS: Record<string, Array<{ address: string; family: 4 | 6 }>> = {
  'public.test': [{ address: PUBLIC_LOOKALIKE, family: 4 }],
  'evil.test': [{ address: '127.0.0.1', family: 4 }],
  'evil6.test': [{ address: '::1', family: 6 }],
  'mapped.test': [{ address: '::ffff:127.0.0.1', family: 6 }],
  'mixed.test': [
    { address: PUBLIC_LOOKALIKE, family: 4 },
    { address: '127.0.0.1', family: 4 },
  ],
};
/** As DNS reads a name: case-blind, a trailing dot (the root) changes nothing. */
const dnsName = (name: string) => name.toLowerCase().replace(/\.+$/, '');
const resolveHost: HostResolver = async (name) => {
  const found = DNS[dnsName(name)];
  if (!found) throw Object.assign(new Error(`no such test host ${name}`), { code: 'ENOTFOUND' });
  return found;
};
const pretendPublic = (ip: string) => ip !== PUBLIC_LOOKALIKE && isForbiddenAddress(ip);

describe('SSRF canary: no notation of a loopback address reaches it', () => {
  let canary: Canary;
  let redirector: Server;
  let redirectorPort: number;
  const redirectHits: string[] = [];
  let h: OfflineHarness;

  beforeAll(async () => {
    canary = await startCanary();
    // The allowed host: /r?to=<url> redirects there; anything else is 404.
    redirector = createServer((req, res) => {
      redirectHits.push(req.url ?? '');
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname !== '/r') return void res.writeHead(404).end();
      res.writeHead(302, { location: url.searchParams.get('to') ?? '/' }).end();
    });
    await new Promise<void>((r) => redirector.listen(0, PUBLIC_LOOKALIKE, r));
    redirectorPort = (redirector.address() as AddressInfo).port;
    h = await startOfflineHarness(
      { SYNC_WAIT_MS: '20000', DOWNLOAD_TIMEOUT_MS: '5000' },
      { network: { resolveHost, isForbiddenAddress: pretendPublic }, runQueue: true },
    );
  });
  afterAll(async () => {
    await h?.close();
    redirector?.closeAllConnections();
    await new Promise((r) => redirector?.close(r));
    await canary?.close();
  });

  /** Every way this test knows to write "the canary". */
  const canaryUrls = () => {
    const p = canary.port;
    const literal = [
      `http://127.0.0.1:${p}/v.mp4`,
      `http://2130706433:${p}/`,
      `http://0x7f.1:${p}/`,
      `http://0x7f000001:${p}/`,
      `http://017700000001:${p}/`,
      `http://0177.0.0.1:${p}/`,
      `http://127.1:${p}/`,
      `http://127.0.1:${p}/`,
      `http://127.0.0.1.:${p}/`,
      `http://%31%32%37.0.0.1:${p}/`,
      `http://[::1]:${p}/`,
      `http://[0:0:0:0:0:0:0:1]:${p}/`,
      `http://[::ffff:127.0.0.1]:${p}/`,
      `http://[::ffff:7f00:1]:${p}/`,
      `http://[::127.0.0.1]:${p}/`,
      `http://localhost:${p}/`,
      `http://LOCALHOST.:${p}/`,
      `http://a.localhost:${p}/`,
      `http://0.0.0.0:${p}/`,
      `http://0:${p}/`,
      `http://[::]:${p}/`,
      `https://127.0.0.1:${p}/`,
      `HTTP://127.0.0.1:${p}/`,
    ];
    const named = [`http://evil.test:${p}/v.mp4`, `http://EVIL.TEST.:${p}/`, `http://evil6.test:${p}/`, `http://mapped.test:${p}/`, `http://mixed.test:${p}/`];
    const redirected = [...literal.slice(0, 12), ...named].map((to) => `http://public.test:${redirectorPort}/r?to=${encodeURIComponent(to)}`);
    // Two hops: allowed -> allowed -> canary.
    const twoHops = `http://public.test:${redirectorPort}/r?to=${encodeURIComponent(`http://public.test:${redirectorPort}/r?to=${encodeURIComponent(`http://127.0.0.1:${p}/`)}`)}`;
    return [...literal, ...named, ...redirected, twoHops];
  };

  it('POST /sora/v1/characters: every notation answers 403 url_not_allowed, the canary sees nothing', async () => {
    const urls = canaryUrls();
    const wrong: string[] = [];
    for (const url of urls) {
      const res = await h.app.inject({ method: 'POST', url: '/sora/v1/characters', headers: h.alice, payload: { url, timestamps: '0,1' } });
      const err = res.json().error;
      if (res.statusCode !== 403 || err?.code !== 'url_not_allowed' || err?.param !== 'url') wrong.push(`${url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
    }
    expect(wrong, wrong.join('\n')).toEqual([]);
    expect(canary.connections).toEqual([]);
    // The redirects were followed up to the canary's door: the allowed host was asked every time.
    expect(redirectHits.length).toBeGreaterThanOrEqual(urls.filter((u) => u.includes('public.test')).length);
    // Refused in the job or before it: nothing kept.
    expect(await h.writes()).toMatchObject({ characters: 0, blobs: 0, tmp: 0 });
  });

  it('POST /v1/videos input_reference.image_url: the same, with param input_reference', async () => {
    const wrong: string[] = [];
    for (const url of canaryUrls()) {
      const res = await h.app.inject({ method: 'POST', url: '/v1/videos', headers: h.alice, payload: { prompt: 'p', input_reference: { image_url: url } } });
      const err = res.json().error;
      if (res.statusCode !== 403 || err?.code !== 'url_not_allowed' || err?.param !== 'input_reference')
        wrong.push(`${url}: ${res.statusCode} ${res.body.slice(0, 200)}`);
    }
    expect(wrong, wrong.join('\n')).toEqual([]);
    expect(canary.connections).toEqual([]);
    expect(await h.writes()).toMatchObject({ tasks: 0, blobs: 0, tmp: 0 });
  });

  it(
    'any mix of DNS answers with a loopback address among them is refused, in any host spelling',
    async () => {
      const loopbackAnswers = fc.constantFrom<{ address: string; family: 4 | 6 }>(
        { address: '127.0.0.1', family: 4 },
        { address: '::ffff:127.0.0.1', family: 6 },
        ...(canary.ipv6 ? [{ address: '::1', family: 6 as const }] : []),
      );
      const answers = fc
        .tuple(
          fc.array(fc.constant({ address: PUBLIC_LOOKALIKE, family: 4 as const }), { maxLength: 2 }),
          fc.array(loopbackAnswers, { minLength: 1, maxLength: 3 }),
          fc.boolean(),
        )
        .map(([pub, loop, first]) => (first ? [...loop, ...pub] : [...pub, ...loop]));
      const name = fc.constantFrom('rebind.test', 'REBIND.test', 'rebind.test.', 'x.rebind.test');
      await fc.assert(
        fc.asyncProperty(name, answers, async (host, found) => {
          DNS[dnsName(host)] = found;
          const res = await h.app.inject({
            method: 'POST',
            url: '/sora/v1/characters',
            headers: h.alice,
            payload: { url: `http://${host}:${canary.port}/v.mp4`, timestamps: '0,1' },
          });
          expect(res.statusCode, `${host} -> ${JSON.stringify(found)}: ${res.body}`).toBe(403);
          expect(res.json().error.code).toBe('url_not_allowed');
        }),
        { numRuns: sized(20, 500), seed: ATTACK_SEED },
      );
      expect(canary.connections).toEqual([]);
    },
    sized(60_000, 600_000),
  );

  it('the seam is live: a pretend-public answer is fetched (so the refusals above are the policy, not a broken setup)', async () => {
    DNS['fine.test'] = [{ address: PUBLIC_LOOKALIKE, family: 4 }];
    const res = await h.app.inject({
      method: 'POST',
      url: '/sora/v1/characters',
      headers: h.alice,
      payload: { url: `http://fine.test:${redirectorPort}/r?to=/seam-check`, timestamps: '0,1' },
    });
    // Redirected once to /seam-check, which is 404: the origin's answer, not the policy's.
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'invalid_url', message: 'the source answered HTTP 404' });
    expect(redirectHits).toContain('/seam-check');
  });
});

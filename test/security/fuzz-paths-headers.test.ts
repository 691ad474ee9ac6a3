import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signFilePath } from '../../src/api/signed-url.js';
import { nastyString } from './support/arbitraries.js';
import { ATTACK_SEED, sized } from './support/attack-scale.js';
import { expectAlive, expectNothingWritten, expectWellFormed } from './support/invariants.js';
import { type OfflineHarness, startOfflineHarness, type WriteCounts } from './support/offline-harness.js';
import { AnswerTally } from './support/tally.js';

/**
 * issue #12 point 7, property-based: request paths (/sora/v1/characters/<x>, /v1/videos/<x>,
 * /files/<x>?exp=&sig=, /profile/<x>) and the headers clients choose (authorization,
 * idempotency-key, prefer, range). Never a 5xx; API routes answer JSON, refusals the envelope;
 * a refused request writes nothing; the process keeps answering.
 */
const TIME_LIMIT_MS = sized(20_000, 240_000);
const TEST_TIMEOUT_MS = TIME_LIMIT_MS + 60_000;
const run = (numRuns: number) => ({ numRuns, seed: ATTACK_SEED, interruptAfterTimeLimit: TIME_LIMIT_MS });

/** A path segment as a client could put it on the wire: visible ASCII, percent escapes good and bad, encoded Unicode. */
const segment = fc.oneof(
  fc.string({ unit: fc.constantFrom(..."abcXYZ019._~-!$&'()*+,;=:@/".split('')), maxLength: 40 }),
  // (through UTF-8 and back: a lone surrogate becomes U+FFFD, which encodeURIComponent takes)
  nastyString(40).map((t) => encodeURIComponent(Buffer.from(t).toString())),
  fc.constantFrom(
    '..',
    '%2e%2e',
    '..%2f..%2fetc%2fpasswd',
    '%00',
    '%',
    '%Z1',
    '%%',
    '%c0%ae',
    '%ff',
    '%e2%80%ae',
    '.%2e/%2e.',
    'ch_' + 'a'.repeat(32),
    'alice.ada',
    '@alice.ada',
    '__proto__',
    'constructor',
  ),
  fc.integer({ min: 100, max: 20_000 }).map((n) => 'x'.repeat(n)),
);
const query = fc.oneof(
  fc.constant(''),
  fc.tuple(segment, segment).map(([a, b]) => `?exp=${a}&sig=${b}`),
  segment.map((s) => `?${s}`),
  fc.constantFrom(
    '?exp=1&exp=2&sig=a&sig=b',
    '?exp=99999999999999999999&sig=' + 'A'.repeat(43),
    '?variant=thumbnail',
    '?variant=__proto__',
    '?limit=-1&after=x',
    '?limit=1e3',
  ),
);

/** Header values a client may send (HTTP allows visible ASCII, space, tab and obs-text). */
const headerText = fc.string({
  unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.constantFrom(0x09, 0xa0, 0xff)).map((c) => String.fromCharCode(c)),
  maxLength: 80,
});
const authorization = fc.oneof(
  fc.constantFrom(
    'Bearer sk-alice-test-key',
    'bearer sk-alice-test-key',
    'BEARER   sk-alice-test-key  ',
    'Bearer sk-bob-test-key',
    'Bearer',
    'Bearer ',
    'Basic c2stYWxpY2U=',
    'sk-alice-test-key',
    'Bearer sk-alice-test-key extra',
    'Bearer sk-alice-test-keyX',
  ),
  headerText.map((t) => `Bearer ${t}`),
  headerText,
  fc.integer({ min: 1_000, max: 8_000 }).map((n) => `Bearer ${'k'.repeat(n)}`),
);
const optional = (a: fc.Arbitrary<string>) => fc.option(a, { nil: undefined });
const headers = fc.record({
  authorization: optional(authorization),
  'idempotency-key': optional(fc.oneof(headerText, fc.constantFrom('', ' ', 'k'.repeat(256), 'same-key'))),
  prefer: optional(
    fc.oneof(
      headerText,
      fc.constantFrom('respond-async', 'RESPOND-ASYNC', 'respond-async, wait=5', 'wait=1;respond-async', 'respond-asyncx', 'handling=strict'),
    ),
  ),
  range: optional(
    fc.oneof(
      headerText,
      fc.constantFrom(
        'bytes=0-',
        'bytes=-0',
        'bytes=-1',
        'bytes=0-0',
        'bytes=5-1',
        'bytes=0-1,2-3',
        'bytes=99999999999999999999-',
        'bytes= 0-1',
        'bytes=0--1',
        'items=0-1',
        'bytes=-99999999999999999999',
        'bytes=1e3-',
      ),
    ),
  ),
});
const clean = (h: Record<string, string | undefined>) => Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<string, string>;

describe('fuzz: request paths and headers', () => {
  let h: OfflineHarness;
  let before: WriteCounts;
  let signedFile: string;
  const tally = new AnswerTally();
  beforeAll(async () => {
    // Thousands of pages from one address: the per-address limit of profile pages would answer most of them 429.
    h = await startOfflineHarness({ PROFILE_RATE_LIMIT_PER_MINUTE: 'off' });
    // One real blob with a valid signed URL, so Range and the signature check are reached.
    await h.rt.blobs.putBuffer('characters/ch_fuzz/clip.mp4', Buffer.alloc(4096, 7), 'video/mp4');
    signedFile = signFilePath(h.rt.signingSecret, 'characters/ch_fuzz/clip.mp4', Math.floor(Date.now() / 1000) + 3600);
    before = await h.writes();
  });
  afterAll(async () => {
    console.info(`paths and headers: ${tally.summary()}`);
    await h?.close();
  });

  async function send(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, hdrs: Record<string, string>, api: boolean, payload?: string) {
    let res: Awaited<ReturnType<typeof h.app.inject>>;
    try {
      res = await h.app.inject({ method, url, headers: payload === undefined ? hdrs : { ...hdrs, 'content-type': 'application/json' }, payload });
    } catch (err) {
      // Only the client side may refuse to send a request (an invalid header value); that is not an answer.
      if (err instanceof TypeError && /header|Invalid character/i.test(err.message)) return;
      throw err;
    }
    tally.add(res);
    const what = `${method} ${url.slice(0, 200)} ${JSON.stringify(hdrs).slice(0, 300)}`;
    if (res.statusCode === 416) {
      // An unsatisfiable Range is answered as documented: no body, `Content-Range: bytes */<size>`.
      expect(res.headers['content-range'], what).toMatch(/^bytes \*\/\d+$/);
      expect(res.body).toBe('');
    } else {
      expectWellFormed(res, what, api);
    }
    before = await expectNothingWritten(h, before, res, what);
  }

  it(
    '/sora/v1/characters/<x> and /v1/videos/<x> with any path and any headers',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('GET', 'PATCH', 'DELETE'),
          fc.constantFrom('/sora/v1/characters/', '/v1/videos/', '/v1/videos/characters/', '/v1/videos/x/content', '/v1/videos/'),
          segment,
          query,
          headers,
          async (method, prefix, seg, q, hdrs) => {
            const url = prefix.endsWith('/content') ? `/v1/videos/${seg}/content${q}` : `${prefix}${seg}${q}`;
            // Alice's key unless the run picked an authorization of its own: most runs reach the route.
            await send(method, url, { ...h.alice, ...clean(hdrs) }, true, method === 'PATCH' ? JSON.stringify({ display_name: 'x' }) : undefined);
          },
        ),
        run(sized(150, 6000)),
      );
      await expectAlive(h);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    '/files/<x>?exp=&sig= with any path, query and Range, and the real signed file with any Range',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.boolean(), segment, query, headers, async (real, seg, q, hdrs) => {
          await send('GET', real ? signedFile : `/files/${seg}${q}`, clean(hdrs), true);
        }),
        run(sized(150, 6000)),
      );
      await expectAlive(h);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    '/profile/<x> with any path: a page or a 404 page, never a 5xx',
    async () => {
      await fc.assert(
        fc.asyncProperty(segment, query, async (seg, q) => {
          await send('GET', `/profile/${seg}${q}`, {}, false);
        }),
        run(sized(80, 3000)),
      );
      await expectAlive(h);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'POST /sora/v1/characters with any authorization, idempotency-key and prefer',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          headers,
          fc.constantFrom('{"url":"https://videos.invalid/a.mp4","timestamps":"1,3"}', '{"timestamps":"1,3"}', '{}'),
          async (hdrs, body) => {
            await send('POST', '/sora/v1/characters', clean(hdrs), true, body);
          },
        ),
        run(sized(80, 3000)),
      );
      const unauthorized = await h.app.inject({ method: 'POST', url: '/sora/v1/characters', headers: { authorization: 'Bearer nope' }, payload: {} });
      expect(unauthorized.statusCode).toBe(401);
      await expectAlive(h);
    },
    TEST_TIMEOUT_MS,
  );
});

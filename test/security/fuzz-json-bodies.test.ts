import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anyJson, characterBody, deepJsonText, jsonTextOf, videoBody } from './support/arbitraries.js';
import { ATTACK_SEED, sized } from './support/attack-scale.js';
import { expectAlive, expectNothingWritten, expectWellFormed } from './support/invariants.js';
import { type OfflineHarness, startOfflineHarness, type WriteCounts } from './support/offline-harness.js';
import { AnswerTally } from './support/tally.js';

/**
 * issue #12 point 7, property-based: JSON bodies of POST /sora/v1/characters and POST /v1/videos,
 * through the real runtime (offline: see offline-harness). Whatever the body, never a 5xx, the
 * error envelope on refusal, nothing written for a refused request, and the process still answers.
 */
const ROUTES = ['/sora/v1/characters', '/v1/videos'] as const;
const TIME_LIMIT_MS = sized(20_000, 240_000);
/** Each property stops itself at TIME_LIMIT_MS; the test's own timeout leaves room for the checks after it. */
const TEST_TIMEOUT_MS = TIME_LIMIT_MS + 60_000;

describe('fuzz: JSON bodies of the create routes', () => {
  let h: OfflineHarness;
  let before: WriteCounts;
  const tally = new AnswerTally();
  beforeAll(async () => {
    h = await startOfflineHarness();
    before = await h.writes();
  });
  afterAll(async () => {
    console.info(`JSON bodies: ${tally.summary()}`);
    await h?.close();
  });

  async function send(route: string, text: string, contentType = 'application/json', headers: Record<string, string> = {}) {
    const res = await h.app.inject({ method: 'POST', url: route, headers: { ...h.alice, 'content-type': contentType, ...headers }, payload: text });
    const what = `POST ${route} ${text.slice(0, 300)}`;
    tally.add(res);
    expectWellFormed(res, what);
    before = await expectNothingWritten(h, before, res, what);
    return res;
  }

  const check = (prop: fc.IAsyncProperty<any>, numRuns: number) => fc.assert(prop, { numRuns, seed: ATTACK_SEED, interruptAfterTimeLimit: TIME_LIMIT_MS });

  it(
    'arbitrary JSON values (and text that is not JSON) as the body',
    async () => {
      await check(
        fc.asyncProperty(
          fc.constantFrom(...ROUTES),
          fc.oneof(
            anyJson.map((v) => JSON.stringify(v) ?? 'null'),
            fc.string({ maxLength: 200 }),
          ),
          async (route, text) => {
            await send(route, text);
          },
        ),
        sized(60, 3000),
      );
      await expectAlive(h);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'objects with the real keys of POST /sora/v1/characters and values of any kind',
    async () => {
      await check(
        fc.asyncProperty(
          jsonTextOf(characterBody),
          fc.constantFrom(undefined, 'respond-async'),
          fc.option(fc.string({ minLength: 1, maxLength: 40 })),
          async (text, prefer, idem) => {
            const res = await send('/sora/v1/characters', text, 'application/json', {
              ...(prefer ? { prefer } : {}),
              ...(idem ? { 'idempotency-key': idem } : {}),
            });
            // With the queue idle an accepted create is still processing: 202, never a finished character.
            if (res.statusCode < 400) expect(res.statusCode).toBe(202);
          },
        ),
        sized(120, 5000),
      );
      await expectAlive(h);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'objects with the real keys of POST /v1/videos and values of any kind',
    async () => {
      await check(
        fc.asyncProperty(jsonTextOf(videoBody), async (text) => {
          await send('/v1/videos', text);
        }),
        sized(120, 5000),
      );
      await expectAlive(h);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'huge and deep nesting within MAX_BODY_BYTES',
    async () => {
      await check(
        fc.asyncProperty(fc.constantFrom(...ROUTES), deepJsonText, async (route, text) => {
          await send(route, text);
        }),
        sized(12, 200),
      );
      // Wide as well as deep: many keys, a long list, a long string, all under the 16 MiB limit.
      const wide = JSON.stringify(Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i])));
      const long = JSON.stringify({
        timestamps: Array.from({ length: 500_000 }, () => 1),
        prompt: 'p',
        characters: Array.from({ length: 100_000 }, (_, i) => `ch_${i}`),
      });
      const string = JSON.stringify({ timestamps: '1,3', url: `https://x.invalid/${'a'.repeat(10_000_000)}`, prompt: 'p'.repeat(10_000_000) });
      for (const route of ROUTES) for (const text of [wide, long, string]) await send(route, text);
      await expectAlive(h);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'other content types: 415 or 400 in the envelope, never a 5xx',
    async () => {
      await check(
        fc.asyncProperty(
          fc.constantFrom(...ROUTES),
          fc.constantFrom(
            'text/plain',
            'application/x-www-form-urlencoded',
            'application/json; charset=utf-16',
            'application/xml',
            'multipart/form-data',
            'multipart/form-data; boundary=',
            'application/octet-stream',
            '',
            ';;;',
            'application/json;',
          ),
          fc.string({ maxLength: 100 }),
          async (route, contentType, text) => {
            await send(route, text, contentType);
          },
        ),
        sized(40, 1000),
      );
      await expectAlive(h);
    },
    TEST_TIMEOUT_MS,
  );
});

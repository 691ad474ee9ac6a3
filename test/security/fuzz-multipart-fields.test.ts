import { readFile } from 'node:fs/promises';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { listenOnLoopback } from '../api/loopback-client.js';
import { makeImage } from '../support/videos.js';
import { nastyString } from './support/arbitraries.js';
import { ATTACK_SEED, sized } from './support/attack-scale.js';
import { expectAlive, expectNothingWritten, expectWellFormed, within } from './support/invariants.js';
import { type OfflineHarness, startOfflineHarness, type WriteCounts } from './support/offline-harness.js';
import { type RawPart, rawMultipart, socketChunks } from './support/raw-multipart.js';
import { AnswerTally } from './support/tally.js';

/**
 * issue #12 point 7, property-based: multipart forms of the routes that take them. Field names
 * in bracket notation, with Object.prototype segments, very long, very many; values of any kind;
 * files under any name. Never a 5xx, the envelope on refusal, nothing written (no temp file
 * either) for a refused form, and the process still answers.
 */
const ROUTES = ['/v1/videos', '/v1/videos/characters', '/v1/videos/video_00000000-0000-0000-0000-000000000000/remix', '/sora/v1/characters'];
const TIME_LIMIT_MS = sized(20_000, 240_000);
/** Each property stops itself at TIME_LIMIT_MS; the test's own timeout leaves room for the checks after it. */
/** One request answers within this, or the run fails as a hang. */
const REQUEST_BOUND_MS = 15_000;
const TEST_TIMEOUT_MS = TIME_LIMIT_MS + 60_000;

const REAL_NAMES = [
  'prompt',
  'model',
  'seconds',
  'size',
  'characters',
  'characters[]',
  'characters[][id]',
  'characters[0][id]',
  'characters[1]',
  'input_reference',
  'input_reference[image_url]',
  'name',
  'video',
  'timestamps',
  'url',
];
const PROTO_SEGMENTS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__', 'valueOf'];

/** Field names: the real ones, bracket paths made of real, hostile and arbitrary segments, and very long ones. */
const fieldName = fc.oneof(
  { arbitrary: fc.constantFrom(...REAL_NAMES), weight: 4 },
  {
    arbitrary: fc
      .tuple(
        fc.constantFrom(...REAL_NAMES.filter((n) => !n.includes('['))),
        fc.array(fc.oneof(fc.constantFrom('', '0', '99', '100', '-1', 'id', 'image_url', ...PROTO_SEGMENTS), fc.string({ maxLength: 6 })), { maxLength: 4 }),
      )
      .map(([root, segs]) => root + segs.map((s) => `[${s}]`).join('')),
    weight: 3,
  },
  { arbitrary: fc.constantFrom(...PROTO_SEGMENTS).map((p) => fc.sample(fc.constantFrom(p, `${p}[x]`, `a[${p}]`, `characters[][${p}]`), 1)[0]!), weight: 1 },
  { arbitrary: fc.constantFrom('[', ']', '[]', 'a]', 'a[[b]]', 'a[b', 'a[b]c', '][', '', 'a[]]'), weight: 1 },
  { arbitrary: fc.integer({ min: 1_000, max: 100_000 }).map((n) => `p${'['.repeat(n % 3)}${'x'.repeat(n)}`), weight: 1 },
  { arbitrary: nastyString(40), weight: 1 },
);

const fieldValue = fc.oneof(
  {
    arbitrary: fc.constantFrom(
      'a still',
      '4',
      '720x1280',
      'sora-2',
      '1,3',
      'Ada',
      '[{"id":"ch_x"}]',
      '{"image_url":"https://img.invalid/r.png"}',
      '{"__proto__":{"x":1}}',
      '{',
      '[',
      'https://videos.invalid/a.mp4',
    ),
    weight: 3,
  },
  { arbitrary: nastyString(200), weight: 2 },
  { arbitrary: fc.integer({ min: 1, max: 200_000 }).map((n) => 'v'.repeat(n)), weight: 1 },
);

describe('fuzz: multipart field names and values', () => {
  let h: OfflineHarness;
  let before: WriteCounts;
  let png: Buffer;
  const tally = new AnswerTally();
  beforeAll(async () => {
    h = await startOfflineHarness();
    before = await h.writes();
    png = await readFile(await makeImage());
  });
  afterAll(async () => {
    console.info(`multipart forms: ${tally.summary()}`);
    await h?.close();
  });

  // Built when a test runs: the PNG is read in beforeAll.
  const filePart = () =>
    fc.record({
      name: fieldName,
      value: fc.oneof(
        fc.constant(png),
        fc.uint8Array({ maxLength: 2048 }).map((b) => Buffer.from(b)),
        fc.constant(Buffer.alloc(0)),
      ),
      filename: fc.oneof(fc.constantFrom('ref.png', 'v.mp4', '', '../../etc/passwd', 'a"b.png'), nastyString(20)),
      type: fc.constantFrom('image/png', 'video/mp4', 'text/plain', 'application/octet-stream'),
    });
  const textPart = fc.record({ name: fieldName, value: fieldValue });
  // Half the forms start with valid fields, so the extra ones are judged past the first refusal.
  const VALID_START: RawPart[] = [
    { name: 'prompt', value: 'a still' },
    { name: 'timestamps', value: '1,3' },
    { name: 'name', value: 'Ada' },
  ];
  const form = () =>
    fc
      .tuple(fc.boolean(), fc.array(fc.oneof({ arbitrary: textPart, weight: 5 }, { arbitrary: filePart(), weight: 1 }), { maxLength: 12 }))
      .map(([valid, parts]): RawPart[] => (valid ? [...VALID_START, ...parts] : parts));

  async function send(route: string, parts: RawPart[]) {
    const { payload, contentType } = rawMultipart(parts);
    const what = `POST ${route} multipart ${JSON.stringify(parts.map((p) => [p.name.slice(0, 60), p.filename === undefined ? String(p.value).slice(0, 60) : `<file ${p.value.length} B>`]))}`;
    const res = await within(
      REQUEST_BOUND_MS,
      what,
      h.app.inject({ method: 'POST', url: route, headers: { ...h.alice, 'content-type': contentType }, payload: socketChunks(payload) }),
    );
    tally.add(res);
    expectWellFormed(res, what);
    before = await expectNothingWritten(h, before, res, what);
  }

  it(
    'forms of real, bracketed, hostile and long field names with values of any kind',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...ROUTES), form(), async (route, parts) => {
          await send(route, parts);
        }),
        { numRuns: sized(100, 4000), seed: ATTACK_SEED, interruptAfterTimeLimit: TIME_LIMIT_MS },
      );
      await expectAlive(h);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'many fields: up to a few hundred, past the 50-field limit',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...ROUTES), fc.integer({ min: 40, max: 400 }), fc.boolean(), async (route, n, sameName) => {
          const parts = Array.from({ length: n }, (_, i) => ({ name: sameName ? 'characters[]' : `characters[${i % 120}][id]`, value: `ch_${i}` }));
          await send(route, [{ name: 'prompt', value: 'p' }, ...parts]);
        }),
        { numRuns: sized(10, 200), seed: ATTACK_SEED, interruptAfterTimeLimit: TIME_LIMIT_MS },
      );
      await expectAlive(h);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'broken multipart framing: no boundary, a wrong one, a body cut short',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...ROUTES),
          form(),
          fc.nat(),
          fc.constantFrom('cut', 'wrong-boundary', 'no-boundary'),
          async (route, parts, at, how) => {
            const { payload, contentType } = rawMultipart(parts.length ? parts : [{ name: 'prompt', value: 'p' }]);
            const body = how === 'cut' ? payload.subarray(0, at % (payload.length + 1)) : payload;
            const type = how === 'wrong-boundary' ? 'multipart/form-data; boundary=nope' : how === 'no-boundary' ? 'multipart/form-data' : contentType;
            const what = `POST ${route} ${how} at ${at}`;
            const res = await within(
              REQUEST_BOUND_MS,
              what,
              h.app.inject({ method: 'POST', url: route, headers: { ...h.alice, 'content-type': type }, payload: socketChunks(body) }),
            );
            tally.add(res);
            expectWellFormed(res, what);
            before = await expectNothingWritten(h, before, res, what);
          },
        ),
        { numRuns: sized(40, 1500), seed: ATTACK_SEED, interruptAfterTimeLimit: TIME_LIMIT_MS },
      );
      await expectAlive(h);
    },
    TEST_TIMEOUT_MS,
  );

  it('a skipped part (no usable content-disposition) of 3 MB over a real socket: answered, not stalled', async () => {
    const base = await listenOnLoopback(h);
    const payload = Buffer.from(
      `--b\r\nx-other: 1\r\n\r\n${'v'.repeat(3_000_000)}\r\n--b\r\ncontent-disposition: form-data; name="prompt\n"\r\n\r\n${'v'.repeat(100_000)}\r\n--b--\r\n`,
    );
    const res = await within(
      REQUEST_BOUND_MS,
      'skipped parts over TCP',
      fetch(`${base}/v1/videos`, { method: 'POST', headers: { ...h.alice, 'content-type': 'multipart/form-data; boundary=b' }, body: payload }),
    );
    expectWellFormed({ statusCode: res.status, headers: {}, body: await res.text() }, 'skipped parts over TCP');
  });
});

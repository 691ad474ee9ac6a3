/**
 * fast-check generators of hostile input: values a client may send, mixed with plausible ones so
 * that runs get past the first check and reach the later ones.
 */
import fc from 'fast-check';

/** Strings with the characters that break parsers: controls, quotes, brackets, separators, non-BMP. */
export const nastyString = (maxLength = 64) =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({ unit: fc.constantFrom(...'\u0000\u0001\n\r\t "\'\\/[]{}()<>%&=?#;,:.@_-~+*$!|`^\u00a0\u2028\ufeff\ud83d\ude00'.split('')), maxLength }),
    fc.constantFrom(
      '',
      ' ',
      '__proto__',
      'constructor',
      'prototype',
      'toString',
      'hasOwnProperty',
      'null',
      'undefined',
      'NaN',
      '-0',
      '1e309',
      '0x10',
      '\u0000',
    ),
  );

/** Timestamps as clients write them, right and wrong. */
export const timestampsValue = fc.oneof(
  fc.constantFrom('1,3', '0,1', '1.5,3.5', ' 1 , 3 ', '3,1', '1,1', '1,5', '-1,1', '1e0,3e0', 'Infinity,1', 'NaN,1', '1,3,5', ',', '1,', '0x1,3', '1 3'),
  fc.tuple(fc.double({ noNaN: false }), fc.double()).map(([a, b]) => `${a},${b}`),
  fc.array(fc.oneof(fc.double(), fc.integer(), fc.string({ maxLength: 8 })), { maxLength: 4 }),
  fc.jsonValue(),
);

/** URLs that stay offline: refused by the request checks, or accepted and then refused by the seam. */
export const sourceUrlValue = fc.oneof(
  fc.constantFrom(
    'https://videos.invalid/a.mp4',
    'http://127.0.0.1/a.mp4',
    'http://[::1]/',
    'http://localhost/',
    'file:///etc/passwd',
    'ftp://x.invalid/',
    'data:video/mp4;base64,AAAA',
    'data:text/html,<b>',
    'data:video/mp4;base64,%%%',
    'javascript:alert(1)',
    'http://user:pass@x.invalid/',
    'http://2130706433/',
    'http://0x7f.1/',
    'http://169.254.169.254/latest/meta-data',
    'http:///x',
    '//x.invalid/a',
  ),
  fc.webUrl({ validSchemes: ['http', 'https'], withQueryParameters: true, withFragments: true }),
  nastyString(),
);

/** Any JSON value, some nested a few levels, some keyed like the real fields. */
export const anyJson = fc.jsonValue({ maxDepth: 4 });

/** A value nested `depth` deep: `[[[...]]]` or `{"a":{"a":...}}`, as text (too deep to build as objects comfortably). */
export const deepJsonText = fc
  .record({
    depth: fc.integer({ min: 1, max: 200_000 }),
    kind: fc.constantFrom('array', 'object'),
    under: fc.constantFrom('timestamps', 'url', 'prompt', 'characters', 'input_reference', 'x'),
  })
  .map(({ depth, kind, under }) => {
    const inner = kind === 'array' ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    return `{"${under}":${inner},"timestamps":"1,3","prompt":"p"}`;
  });

/** Mostly `plausible` (so runs reach the later checks), sometimes anything at all. */
const mostly = <T>(plausible: fc.Arbitrary<T>, wild: fc.Arbitrary<unknown> = anyJson) =>
  fc.oneof({ arbitrary: plausible, weight: 5 }, { arbitrary: wild, weight: 1 });

/** A body of POST /sora/v1/characters: the real keys, each present or not, with values of any kind. */
const characterFields = {
  timestamps: mostly(fc.oneof({ arbitrary: fc.constantFrom('1,3', '0,1', '1.5,3.5', [1, 3]), weight: 3 }, { arbitrary: timestampsValue, weight: 1 })),
  url: mostly(fc.oneof(fc.constantFrom('https://videos.invalid/a.mp4', 'http://cdn.invalid/v.webm?x=1'), sourceUrlValue)),
  from_task: mostly(fc.constantFrom('video_00000000-0000-0000-0000-000000000000', 'video_x'), nastyString()),
  model: mostly(fc.constantFrom('sora-2-character', 'sora-character'), nastyString()),
  username: mostly(fc.constantFrom('ada', 'alice_1', 'a', 'x'.repeat(31), 'UPPER', 'bob.ada', 'ab'), nastyString()),
  display_name: mostly(fc.constantFrom('Ada', ' ', 'x'.repeat(81), 'A\u0000B'), nastyString()),
  visibility: mostly(fc.constantFrom('private', 'public'), fc.constantFrom('PUBLIC', '', null)),
};
export const characterBody = fc.oneof(fc.record(characterFields, { requiredKeys: ['timestamps', 'url'] }), fc.record(characterFields, { requiredKeys: [] }));

/** An `input_reference` value: image URLs of every kind, and whatever else. */
export const inputReferenceValue = mostly(
  fc.record({
    image_url: fc.oneof(
      sourceUrlValue,
      fc.uint8Array({ maxLength: 64 }).map((b) => `data:image/png;base64,${Buffer.from(b).toString('base64')}`),
      fc.uint8Array({ maxLength: 64 }).map((b) => `data:image/png;base64,${Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), b]).toString('base64')}`),
      fc.constantFrom(
        'data:image/png;base64,iVBORw0KGgo=',
        'data:image/gif;base64,R0lGODlh',
        `data:image/png;base64,${'='.repeat(5000)}x`,
        'https://img.invalid/r.png',
      ),
    ),
  }),
);

/** A body of POST /v1/videos. */
const videoFields = {
  prompt: mostly(fc.constantFrom('a still', ' ', '@alice.ada waves', 'x'.repeat(40_000), 'mail me at a@b.c'), nastyString()),
  model: mostly(fc.constantFrom('sora-2', 'sora-2-pro', 'nope')),
  seconds: mostly(fc.constantFrom('4', '8', '12', 4, '5', '')),
  size: mostly(fc.constantFrom('720x1280', '1280x720', '10x10', '')),
  characters: mostly(
    fc.array(fc.oneof(fc.constantFrom('ch_00000000000000000000000000000000', 'alice.ada'), nastyString(16), fc.record({ id: nastyString(16) })), {
      maxLength: 4,
    }),
  ),
  input_reference: fc.oneof({ arbitrary: inputReferenceValue, weight: 1 }, { arbitrary: fc.constant(undefined), weight: 2 }),
};
export const videoBody = fc.oneof(fc.record(videoFields, { requiredKeys: ['prompt'] }), fc.record(videoFields, { requiredKeys: [] }));

/**
 * A JSON text of `body`, sometimes with a key that reaches Object.prototype spliced in (at the top
 * or one level down), which an object literal could not carry.
 */
export const jsonTextOf = (body: fc.Arbitrary<Record<string, unknown>>) =>
  fc
    .tuple(body, fc.oneof({ arbitrary: fc.constant(null), weight: 6 }, fc.constantFrom('__proto__', 'constructor', 'prototype')), fc.boolean())
    .map(([b, forbidden, nested]) => {
      const text = JSON.stringify(b);
      if (!forbidden) return text;
      const splice = `"${forbidden}":{"polluted":true}`;
      const inner = nested ? `"x":{${splice}}` : splice;
      return text === '{}' ? `{${inner}}` : `{${inner},${text.slice(1)}`;
    });

/**
 * Private and reserved addresses written every way a URL parser may read them: the generators
 * of the SSRF properties. IPv4 ranges are listed here on their own (not taken from the code
 * under test), so the properties check the address policy against an independent table.
 */
import fc from 'fast-check';

/** Every IPv4 range the service must never connect to when ALLOW_PRIVATE_URLS=false. */
export const FORBIDDEN_V4: Array<[string, number]> = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];

const toUint = (dotted: string) => dotted.split('.').reduce((n, o) => n * 256 + Number(o), 0);
export const dottedOf = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

/** True when the dotted quad lies in one of FORBIDDEN_V4. */
export function inForbiddenV4(dotted: string): boolean {
  const n = toUint(dotted);
  return FORBIDDEN_V4.some(([base, bits]) => Math.floor(n / 2 ** (32 - bits)) === Math.floor(toUint(base) / 2 ** (32 - bits)));
}

/** A uint32 inside one of the forbidden ranges (loopback weighted up: it is what a canary listens on). */
export const forbiddenV4 = fc.oneof(
  { arbitrary: fc.integer({ min: toUint('127.0.0.0'), max: toUint('127.255.255.255') }), weight: 3 },
  {
    arbitrary: fc.constantFrom(...FORBIDDEN_V4).chain(([base, bits]) => fc.integer({ min: toUint(base), max: toUint(base) + 2 ** (32 - bits) - 1 })),
    weight: 4,
  },
);

const octalOf = (n: number) => `0${n.toString(8)}`;
const hexOf = (n: number, upper: boolean) => `0${upper ? 'X' : 'x'}${upper ? n.toString(16).toUpperCase() : n.toString(16)}`;

/** One IPv4 address in the notations WHATWG URL accepts: dotted, integer, hex, octal, mixed, short forms. */
export const v4Notation = (n: number) =>
  fc.oneof(
    fc.constant(dottedOf(n)),
    fc.constant(String(n)),
    fc.boolean().map((u) => hexOf(n, u)),
    fc.constant(octalOf(n)),
    // Each octet in its own base, zero-padded at will.
    fc.tuple(...[24, 16, 8, 0].map(() => fc.tuple(fc.constantFrom('dec', 'hex', 'oct'), fc.nat({ max: 3 }), fc.boolean()))).map((styles) =>
      styles
        .map(([base, pad, upper], i) => {
          const o = (n >>> (24 - i * 8)) & 255;
          if (base === 'hex') return `0x${'0'.repeat(pad)}${upper ? o.toString(16).toUpperCase() : o.toString(16)}`;
          if (base === 'oct') return `0${'0'.repeat(pad)}${o.toString(8)}`;
          return String(o);
        })
        .join('.'),
    ),
    // a.b.c (c: 16 bits) and a.b (b: 24 bits).
    fc.constant(`${n >>> 24}.${(n >>> 16) & 255}.${n & 0xffff}`),
    fc.constant(`${n >>> 24}.${n & 0xffffff}`),
  );

const h16 = (n: number) => n.toString(16);

/** IPv6 spellings of a forbidden IPv4 address: mapped, compatible, SIIT, NAT64, 6to4, full form. */
export const v6OfV4 = (n: number) => {
  const hi = h16(n >>> 16);
  const lo = h16(n & 0xffff);
  return fc.constantFrom(
    `::ffff:${dottedOf(n)}`,
    `::ffff:${hi}:${lo}`,
    `0:0:0:0:0:ffff:${hi}:${lo}`,
    `::FFFF:${dottedOf(n)}`,
    `0000:0000:0000:0000:0000:ffff:${dottedOf(n)}`,
    `::${dottedOf(n)}`,
    `::ffff:0:${dottedOf(n)}`,
    `64:ff9b::${hi}:${lo}`,
    `2002:${hi}:${lo}::1`,
  );
};

/** IPv6 addresses outside global unicast, or special inside it. */
export const forbiddenV6 = fc.oneof(
  fc.constantFrom(
    '::1',
    '::',
    '0:0:0:0:0:0:0:1',
    '0000::0001',
    'fe80::1',
    'FE80::abcd',
    'fc00::1',
    'fd12:3456:789a::1',
    'fec0::1',
    'ff02::1',
    '2001:db8::1',
    '100::1',
    '2001::1',
  ),
  fc.tuple(fc.integer({ min: 0xfc00, max: 0xfdff }), fc.nat({ max: 0xffff })).map(([a, b]) => `${h16(a)}::${h16(b)}`),
  fc.tuple(fc.integer({ min: 0xfe80, max: 0xfebf }), fc.nat({ max: 0xffff })).map(([a, b]) => `${h16(a)}::${h16(b)}`),
);

/** Names that stand for this machine or a private network, in every case and with trailing dots. */
export const privateName = fc
  .tuple(
    fc.constantFrom(
      'localhost',
      'LOCALHOST',
      'LocalHost',
      'a.localhost',
      'x.y.localhost',
      'printer.local',
      'db.internal',
      'metadata.google.internal',
      '%6c%6f%63%61%6c%68%6f%73%74',
      'ｌｏｃａｌｈｏｓｔ',
    ),
    fc.constantFrom('', '.', '..'),
  )
  .map(([name, dots]) => `${name}${dots}`);

/** A private host in URL form: bracketed IPv6, any IPv4 notation, a private name, fullwidth digits. */
export const privateHost = fc.oneof(
  forbiddenV4.chain(v4Notation),
  forbiddenV4.chain(v4Notation).map((h) => `${h}.`),
  forbiddenV4.chain(v6OfV4).map((h) => `[${h}]`),
  forbiddenV6.map((h) => `[${h}]`),
  privateName,
  fc.constant('１２７.０.０.１'),
);

/** `http(s)://<host>[:port]/path`, with the scheme in any case. */
export const urlAt = (host: fc.Arbitrary<string>) =>
  fc
    .tuple(
      fc.constantFrom('http', 'https', 'HTTP', 'hTTps'),
      host,
      fc.option(fc.integer({ min: 1, max: 65535 })),
      fc.constantFrom('/', '/v.mp4', '/a?b=c#d', ''),
    )
    .map(([scheme, h, port, path]) => `${scheme}://${h}${port === null ? '' : `:${port}`}${path}`);

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTimestamps } from '../../src/characters/timestamps.js';
import { AppError } from '../../src/errors.js';
import { ATTACK_SEED, sized } from './support/attack-scale.js';

/**
 * issue #12 point 7, property-based: the timestamps grammar (docs/api.md). Every input either
 * parses into a window that keeps the rules (finite, 0 <= start < end, 1 s <= length <= 3 s) or is
 * refused as invalid_timestamps on `timestamps`; nothing else is ever thrown. Windows written in
 * any accepted notation read back as the numbers they name.
 */
const params = { seed: ATTACK_SEED, numRuns: sized(300, 50_000) };
const EPS = 1e-9;

function outcome(input: unknown): { window: { startSec: number; endSec: number } } | { refused: AppError } {
  try {
    return { window: parseTimestamps(input) };
  } catch (err) {
    if (!(err instanceof AppError)) throw new Error(`parseTimestamps(${String(input)}) threw something else: ${String(err)}`);
    return { refused: err };
  }
}

function expectRulesKept(input: unknown): void {
  const o = outcome(input);
  if ('refused' in o) {
    expect(o.refused.code).toBe('invalid_timestamps');
    expect(o.refused.param).toBe('timestamps');
    return;
  }
  const { startSec, endSec } = o.window;
  expect(Number.isFinite(startSec) && Number.isFinite(endSec), JSON.stringify(input)).toBe(true);
  expect(startSec).toBeGreaterThanOrEqual(0);
  expect(startSec).toBeLessThan(endSec);
  expect(endSec - startSec).toBeGreaterThanOrEqual(1 - EPS);
  expect(endSec - startSec).toBeLessThanOrEqual(3 + EPS);
}

/** Decimal text as people write it: integers, fractions, leading zeros, long digit runs. */
const decimalText = fc.oneof(
  fc.nat({ max: 100_000 }).map(String),
  fc.tuple(fc.nat({ max: 10_000 }), fc.stringMatching(/^\d{1,12}$/)).map(([i, f]) => `${i}.${f}`),
  fc.stringMatching(/^0{0,5}\d{1,4}(\.\d{1,3})?$/),
  fc.stringMatching(/^\d{16,400}$/),
);
const space = fc.stringMatching(/^[ \t\n\r]{0,3}$/);
/** Text that is almost the grammar: signs, exponents, hex, separators, units. */
const nearMiss = fc.oneof(
  fc.tuple(decimalText, fc.constantFrom('e1', 'E-1', 'x', 's', '%', '_0', '.', '..5', ',0', ';1'), decimalText).map(([a, junk, b]) => `${a}${junk},${b}`),
  fc.tuple(fc.constantFrom('-', '+', '0x', '0b', '.', 'Infinity', 'NaN', ' -'), decimalText, decimalText).map(([p, a, b]) => `${p}${a},${b}`),
  fc.array(decimalText, { minLength: 0, maxLength: 5 }).map((xs) => xs.join(',')),
  fc.constantFrom('', ',', ' , ', '1,', ',3', '1,,3', '1 3', '1;3', '1-3', '\u00a01,3', '1,3\u0000', '１,３', '٣,٤'),
);

describe('fuzz: the timestamps grammar', () => {
  it('any JSON value or JS value: a window within the rules, or invalid_timestamps', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.jsonValue()), (v) => expectRulesKept(v)),
      params,
    );
  });

  it('strings: arbitrary, decimal pairs with any spacing, and near misses', () => {
    const pair = fc.tuple(space, decimalText, space, space, decimalText, space).map((p) => `${p[0]}${p[1]}${p[2]},${p[3]}${p[4]}${p[5]}`);
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), pair, nearMiss), (s) => expectRulesKept(s)),
      params,
    );
  });

  it('arrays of numbers and strings of every kind (NaN, -0, infinities, huge, tiny)', () => {
    const item = fc.oneof(
      fc.double(),
      fc.integer(),
      decimalText,
      fc.string({ maxLength: 8 }),
      fc.constantFrom(null, true, [], {}, -0, Number.MAX_VALUE, Number.MIN_VALUE),
    );
    fc.assert(
      fc.property(fc.array(item, { maxLength: 4 }), (a) => expectRulesKept(a)),
      params,
    );
  });

  it('near misses are refused: an exponent, a sign, hex, a third number or a stray separator', () => {
    fc.assert(
      fc.property(nearMiss, (s) => {
        // A near miss may still be two plain decimals (a list of exactly two): only those may pass.
        // "Spaces" around a number are JavaScript's \s: any Unicode white space (NBSP, BOM, U+2028).
        const o = outcome(s);
        if ('window' in o) expect(s, `${JSON.stringify(s)} was accepted`).toMatch(/^\s*\d+(\.\d+)?\s*,\s*\d+(\.\d+)?\s*$/);
      }),
      params,
    );
  });

  it('a valid window reads back as the same numbers in every notation: "a,b", [a, b], ["a", "b"]', () => {
    const window = fc
      .tuple(fc.integer({ min: 0, max: 36_000_000 }), fc.integer({ min: 1000, max: 3000 }))
      .map(([startMs, lengthMs]) => [startMs / 1000, (startMs + lengthMs) / 1000] as const);
    fc.assert(
      fc.property(window, space, space, ([a, b], s1, s2) => {
        for (const input of [`${s1}${a}${s2},${s2}${b}${s1}`, [a, b], [String(a), String(b)]]) {
          expect(parseTimestamps(input), JSON.stringify(input)).toEqual({ startSec: a, endSec: b });
        }
      }),
      params,
    );
  });
});

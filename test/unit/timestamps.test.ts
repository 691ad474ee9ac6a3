import { describe, expect, it } from 'vitest';
import { checkWindowInside, parseTimestamps } from '../../src/characters/timestamps.js';
import { AppError } from '../../src/errors.js';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return { code: (e as AppError).code, param: (e as AppError).param };
  }
  throw new Error('expected an error');
};

describe('parseTimestamps', () => {
  it.each([
    ['1,3', 1, 3],
    ['0.5,2.25', 0.5, 2.25],
    [' 1 , 3 ', 1, 3],
    ['0,1', 0, 1],
    ['10,13', 10, 13],
    ['0.1,1.1', 0.1, 1.1],
  ])('accepts %j', (input, start, end) => {
    expect(parseTimestamps(input)).toEqual({ startSec: start, endSec: end });
  });

  it('accepts a two-number array', () => {
    expect(parseTimestamps([1, 3])).toEqual({ startSec: 1, endSec: 3 });
    expect(parseTimestamps([0.5, 1.5])).toEqual({ startSec: 0.5, endSec: 1.5 });
  });

  it('accepts an array of plain-decimal strings, as relay clients send it', () => {
    expect(parseTimestamps(['1', '3'])).toEqual({ startSec: 1, endSec: 3 });
    expect(parseTimestamps([' 0.5 ', 2])).toEqual({ startSec: 0.5, endSec: 2 });
  });

  it.each([
    '',
    '1',
    '1,2,3',
    '-1,1',
    '+1,3',
    '1e0,3',
    '0x1,3',
    '1.,3',
    '.5,2',
    '1;3',
    'a,b',
    '1,3s',
    'NaN,2',
    'Infinity,2',
    '3,1',
    '2,2',
    '1,1.5',
    '1,4.01',
    '0,10',
  ])('refuses %j with invalid_timestamps', (input) => {
    expect(codeOf(() => parseTimestamps(input))).toEqual({ code: 'invalid_timestamps', param: 'timestamps' });
  });

  it.each([
    [[1]],
    [[1, 2, 3]],
    [[-1, 1]],
    [['1', 'x']],
    [['-1', '1']],
    [[' 1e0', '3']],
    [['1', 3, '4']],
    [[1, Number.NaN]],
    [{ start: 1, end: 3 }],
    [13],
    [true],
    [null],
    [undefined],
    [[3, 1]],
    [[0, 5]],
  ])('refuses %j with invalid_timestamps', (input) => {
    expect(codeOf(() => parseTimestamps(input))).toEqual({ code: 'invalid_timestamps', param: 'timestamps' });
  });
});

describe('checkWindowInside', () => {
  it('allows an end up to 0.05 s past the duration', () => {
    expect(() => checkWindowInside({ startSec: 1, endSec: 3 }, 3)).not.toThrow();
    expect(() => checkWindowInside({ startSec: 1, endSec: 3.05 }, 3)).not.toThrow();
  });
  it('refuses a window ending past the video', () => {
    expect(codeOf(() => checkWindowInside({ startSec: 1, endSec: 3.1 }, 3))).toEqual({
      code: 'timestamps_out_of_range',
      param: 'timestamps',
    });
  });
});

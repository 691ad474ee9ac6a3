import { describe, expect, it } from 'vitest';
import { parseRange } from '../../src/api/serve-range.js';

describe('parseRange', () => {
  const size = 1000;

  it('no header: the whole blob', () => {
    expect(parseRange(undefined, size)).toBeNull();
  });

  it('bytes=start-end, inclusive', () => {
    expect(parseRange('bytes=100-199', size)).toEqual({ start: 100, end: 199 });
    expect(parseRange('bytes=0-0', size)).toEqual({ start: 0, end: 0 });
    expect(parseRange('bytes=999-999', size)).toEqual({ start: 999, end: 999 });
  });

  it('bytes=start- runs to the last byte', () => {
    expect(parseRange('bytes=0-', size)).toEqual({ start: 0, end: 999 });
    expect(parseRange('bytes=500-', size)).toEqual({ start: 500, end: 999 });
  });

  it('bytes=-N is the last N bytes, all of them when N is larger', () => {
    expect(parseRange('bytes=-500', size)).toEqual({ start: 500, end: 999 });
    expect(parseRange('bytes=-1', size)).toEqual({ start: 999, end: 999 });
    expect(parseRange('bytes=-5000', size)).toEqual({ start: 0, end: 999 });
  });

  it('clamps an end past the last byte', () => {
    expect(parseRange('bytes=900-5000', size)).toEqual({ start: 900, end: 999 });
    expect(parseRange('bytes=0-99999999999999999999999', size)).toEqual({ start: 0, end: 999 });
  });

  it('a start past the end is unsatisfiable', () => {
    expect(parseRange('bytes=1000-', size)).toBe('unsatisfiable');
    expect(parseRange('bytes=1000-1999', size)).toBe('unsatisfiable');
    expect(parseRange('bytes=99999999999999999999999-', size)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', size)).toBe('unsatisfiable');
  });

  it('nothing is satisfiable in an empty blob', () => {
    expect(parseRange('bytes=0-', 0)).toBe('unsatisfiable');
    expect(parseRange('bytes=-10', 0)).toBe('unsatisfiable');
    expect(parseRange(undefined, 0)).toBeNull();
  });

  it('ignores what it does not understand (served whole)', () => {
    for (const header of [
      '',
      'bytes',
      'bytes=',
      'bytes=-',
      'bytes=abc-def',
      'bytes=1-2-3',
      'items=0-10',
      'bytes=0-10,20-30',
      'bytes=200-100',
      'bytes=+1-2',
      'bytes=1.5-2',
      'bytes = 0x10-20',
    ]) {
      expect(parseRange(header, size), header).toBeNull();
    }
  });

  it('tolerates case and spaces', () => {
    expect(parseRange('Bytes=10-20', size)).toEqual({ start: 10, end: 20 });
    expect(parseRange(' bytes = 10 - 20 ', size)).toEqual({ start: 10, end: 20 });
  });
});

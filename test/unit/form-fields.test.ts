import { describe, expect, it } from 'vitest';
import { decodeJsonFields, formFieldsOf } from '../../src/api/form-fields.js';
import { AppError } from '../../src/errors.js';

/** Plain-object copy, so toEqual compares values and not the (absent) prototype. */
const plain = (v: unknown) => JSON.parse(JSON.stringify(v));
const read = (entries: [string, string][]) => plain(formFieldsOf(entries));

function refusal(run: () => unknown): AppError {
  try {
    run();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe("form field names in the SDKs' bracket notation", () => {
  it('a[][k]: an entry goes on until one of its fields comes again', () => {
    expect(
      read([
        ['a[][id]', '1'],
        ['a[][id]', '2'],
      ]),
    ).toEqual({ a: [{ id: '1' }, { id: '2' }] });
    expect(
      read([
        ['a[][id]', '1'],
        ['a[][name]', 'x'],
        ['a[][id]', '2'],
      ]),
    ).toEqual({ a: [{ id: '1', name: 'x' }, { id: '2' }] });
    expect(
      read([
        ['a[][k][x]', '1'],
        ['a[][k][y]', '2'],
        ['a[][k][x]', '3'],
      ]),
    ).toEqual({ a: [{ k: { x: '1', y: '2' } }, { k: { x: '3' } }] });
  });

  it('a[] (a list of values), a[0][k] (indices, holes closed), a repeated (a list)', () => {
    expect(
      read([
        ['a[]', 'x'],
        ['a[]', 'y'],
      ]),
    ).toEqual({ a: ['x', 'y'] });
    expect(
      read([
        ['a[0][id]', '1'],
        ['a[1][id]', '2'],
        ['a[0][name]', 'x'],
      ]),
    ).toEqual({ a: [{ id: '1', name: 'x' }, { id: '2' }] });
    expect(
      read([
        ['a[3]', 'd'],
        ['a[1]', 'b'],
      ]),
    ).toEqual({ a: ['b', 'd'] });
    expect(
      read([
        ['a', '1'],
        ['a', '2'],
        ['a', '3'],
      ]),
    ).toEqual({ a: ['1', '2', '3'] });
    expect(
      read([
        ['o[k]', '1'],
        ['o[j]', '2'],
        ['n', 'x'],
      ]),
    ).toEqual({ o: { k: '1', j: '2' }, n: 'x' });
  });

  it('what the Node SDK sends for {characters: [{id}, {id}], seconds, size} reads back as that object', () => {
    const sent: [string, string][] = [
      ['prompt', 'hi'],
      ['characters[][id]', 'ch_a'],
      ['characters[][id]', 'ch_b'],
      ['seconds', '8'],
    ];
    expect(read(sent)).toEqual({ prompt: 'hi', characters: [{ id: 'ch_a' }, { id: 'ch_b' }], seconds: '8' });
  });

  it('names that are not bracket notation are one key', () => {
    expect(
      read([
        ['a[b', '1'],
        ['a]b', '2'],
        ['[x]', '3'],
      ]),
    ).toEqual({ 'a[b': '1', 'a]b': '2', '[x]': '3' });
  });

  it('builds objects without a prototype', () => {
    const fields = formFieldsOf([
      ['o[k]', '1'],
      ['a[][id]', '2'],
    ]);
    expect(Object.getPrototypeOf(fields)).toBeNull();
    expect(Object.getPrototypeOf(fields.o)).toBeNull();
    expect(Object.getPrototypeOf((fields.a as unknown[])[0])).toBeNull();
  });

  it.each(['__proto__[x]', 'constructor[prototype][x]', 'a[__proto__][x]', 'a[][constructor]', 'prototype', 'a[0][prototype][x]'])(
    'refuses %s with invalid_parameter naming the field, and Object.prototype stays clean',
    (field) => {
      const err = refusal(() => formFieldsOf([[field, '1']]));
      expect(err).toMatchObject({ code: 'invalid_parameter', param: field });
      expect(({} as Record<string, unknown>).x).toBeUndefined();
    },
  );

  it('refuses an index above 99 and fields that make a value and an object of one name', () => {
    expect(refusal(() => formFieldsOf([['a[100]', '1']]))).toMatchObject({ code: 'invalid_parameter', param: 'a[100]' });
    expect(
      refusal(() =>
        formFieldsOf([
          ['a', '1'],
          ['a[k]', '2'],
        ]),
      ),
    ).toMatchObject({ code: 'invalid_parameter', param: 'a[k]' });
    expect(
      refusal(() =>
        formFieldsOf([
          ['a[k]', '1'],
          ['a', '2'],
        ]),
      ),
    ).toMatchObject({ code: 'invalid_parameter', param: 'a' });
    expect(
      refusal(() =>
        formFieldsOf([
          ['a[]', '1'],
          ['a[k]', '2'],
        ]),
      ),
    ).toMatchObject({ code: 'invalid_parameter', param: 'a[k]' });
  });
});

describe('JSON inside a form field', () => {
  const decode = (fields: Record<string, unknown>) =>
    plain(decodeJsonFields(Object.assign(Object.create(null), fields), { characters: 'array', input_reference: 'object' }));

  it('a list field: a JSON list, JSON objects repeated, one plain value, plain values repeated', () => {
    expect(decode({ characters: '[{"id":"ch_a"},{"id":"ch_b"}]' })).toEqual({ characters: [{ id: 'ch_a' }, { id: 'ch_b' }] });
    expect(decode({ characters: ['{"id":"ch_a"}', '{"id":"ch_b"}'] })).toEqual({ characters: [{ id: 'ch_a' }, { id: 'ch_b' }] });
    expect(decode({ characters: '{"id":"ch_a"}' })).toEqual({ characters: [{ id: 'ch_a' }] });
    expect(decode({ characters: 'ch_a' })).toEqual({ characters: ['ch_a'] });
    expect(decode({ characters: ['ch_a', 'ch_b'] })).toEqual({ characters: ['ch_a', 'ch_b'] });
  });

  it('an object field: a JSON object; other fields are left as they are', () => {
    expect(decode({ input_reference: ' {"image_url":"https://x.test/a.png"}', prompt: '[not json]' })).toEqual({
      input_reference: { image_url: 'https://x.test/a.png' },
      prompt: '[not json]',
    });
  });

  it('refuses JSON that does not parse, and JSON with a forbidden key, naming the field', () => {
    expect(refusal(() => decode({ characters: '[{"id":' }))).toMatchObject({ code: 'invalid_parameter', param: 'characters' });
    expect(refusal(() => decode({ characters: '[{"__proto__":{"x":1}}]' }))).toMatchObject({ code: 'invalid_parameter', param: 'characters' });
    expect(refusal(() => decode({ input_reference: '{"constructor":{"prototype":{"x":1}}}' }))).toMatchObject({
      code: 'invalid_parameter',
      param: 'input_reference',
    });
  });
});

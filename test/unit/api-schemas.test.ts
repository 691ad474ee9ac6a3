import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { CreateCharacterBody, PatchCharacterBody } from '../../src/api/schemas/characters.js';
import { CreateVideoBody, RemixBody } from '../../src/api/schemas/videos.js';

/**
 * The request fields the API schemas check before a service runs. The field of the first issue
 * is what the API answers as `param` (src/api/error-handler.ts; a 400, invalid_parameter for these
 * fields); the HTTP answers themselves are tested in the integration tier (test/api/).
 */
function refusedField(schema: z.ZodType, body: unknown): unknown {
  const parsed = schema.safeParse(body);
  expect(parsed.success, JSON.stringify(body)?.slice(0, 120)).toBe(false);
  return parsed.error!.issues[0].path[0];
}

describe('POST /v1/videos body', () => {
  it('takes a prompt alone, seconds as a string or a number, every size', () => {
    expect(CreateVideoBody.parse({ prompt: 'x' })).toEqual({ prompt: 'x' });
    expect(CreateVideoBody.parse({ prompt: 'x', seconds: 8 }).seconds).toBe('8');
    expect(CreateVideoBody.parse({ prompt: 'x', seconds: '12' }).seconds).toBe('12');
    for (const size of ['720x1280', '1280x720', '1024x1792', '1792x1024']) expect(CreateVideoBody.parse({ prompt: 'x', size }).size).toBe(size);
    expect(CreateVideoBody.parse({ prompt: 'y'.repeat(32_000) }).prompt).toHaveLength(32_000);
    expect(CreateVideoBody.parse({ prompt: 'x', characters: ['ch_1', { id: 'ch_2' }] }).characters).toEqual(['ch_1', { id: 'ch_2' }]);
  });

  it.each([
    ['seconds', 'not one of 4, 8, 12', { seconds: '5' }],
    ['seconds', 'a fraction', { seconds: 4.5 }],
    ['seconds', 'empty', { seconds: '' }],
    ['seconds', 'a list', { seconds: ['4'] }],
    ['size', 'not offered', { size: '640x480' }],
    ['size', 'a number', { size: 720 }],
    ['prompt', 'missing', { prompt: undefined }],
    ['prompt', 'blank', { prompt: '   ' }],
    ['prompt', 'a number', { prompt: 42 }],
    ['prompt', 'over 32000 characters', { prompt: 'x'.repeat(32_001) }],
    ['characters', 'not a list', { characters: 'ch_1' }],
    ['characters', 'items without an id', { characters: [{ name: 'x' }] }],
    ['characters', 'items that are numbers', { characters: [42] }],
    ['model', 'a number', { model: 7 }],
  ])('refuses %s that is %s, on that field', (field, _what, over) => {
    expect(refusedField(CreateVideoBody, { prompt: 'x', ...over })).toBe(field);
  });

  it('a remix needs a prompt that is not blank', () => {
    expect(refusedField(RemixBody, { prompt: ' ' })).toBe('prompt');
    expect(RemixBody.parse({ prompt: 'again' })).toEqual({ prompt: 'again' });
  });
});

describe('character bodies', () => {
  it('display_name is 1..80 characters, not blank, kept trimmed, on create and on PATCH', () => {
    expect(PatchCharacterBody.parse({ display_name: '  Captain ' })).toEqual({ display_name: 'Captain' });
    expect(CreateCharacterBody.parse({ timestamps: '1,3', display_name: ' Captain' }).display_name).toBe('Captain');
    for (const bad of [' ', '', 'x'.repeat(81), 7]) {
      expect(refusedField(PatchCharacterBody, { display_name: bad })).toBe('display_name');
      expect(refusedField(CreateCharacterBody, { timestamps: '1,3', display_name: bad })).toBe('display_name');
    }
  });

  it('timestamps are required on create; visibility is private or public', () => {
    expect(refusedField(CreateCharacterBody, { url: 'https://x/a.mp4' })).toBe('timestamps');
    expect(refusedField(CreateCharacterBody, { timestamps: '1,3', visibility: 'secret' })).toBe('visibility');
    expect(refusedField(PatchCharacterBody, { visibility: 'unlisted' })).toBe('visibility');
  });
});

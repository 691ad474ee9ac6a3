import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { OWNER_HANDLE_LENGTH, ownerHandleFor } from '../../src/keys/owner-handle.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('ownerHandleFor', () => {
  it('is 9 lowercase letters', () => {
    expect(OWNER_HANDLE_LENGTH).toBe(9);
    for (let i = 0; i < 200; i++) expect(ownerHandleFor(sha(`key ${i}`))).toMatch(/^[a-z]{9}$/);
  });

  it('is stable: same input, same handle, today and tomorrow', () => {
    const hash = sha('sk-sc-example');
    expect(ownerHandleFor(hash)).toBe(ownerHandleFor(hash));
    // Pinned: changing the derivation would rename every existing character.
    expect(ownerHandleFor('key_static_abc')).toBe('dofdupvim');
  });

  it('is pronounceable: consonant-vowel-consonant syllables', () => {
    for (let i = 0; i < 200; i++) {
      const h = ownerHandleFor(sha(`p ${i}`));
      expect(h).toMatch(/^([^aeiou][aeiou][^aeiou]){3}$/);
      expect(h).not.toMatch(/[^aeiou]{3}/);
    }
  });

  it('gives distinct handles to distinct keys', () => {
    const handles = new Set<string>();
    for (let i = 0; i < 1000; i++) handles.add(ownerHandleFor(sha(`distinct ${i}`)));
    expect(handles.size).toBeGreaterThanOrEqual(999);
    // Salted re-derivation (the key service's clash rule) gives another handle.
    const h = sha('clash');
    expect(ownerHandleFor(`${h}:1`)).not.toBe(ownerHandleFor(h));
  });
});

import { describe, expect, it } from 'vitest';
import { generateHandle, pickUniqueUsername, secureRandom, type UsernameAvailability, validateRequestedHandle } from '../../src/characters/usernames.js';
import { LEADS, MIDDLES, TAILS } from '../../src/characters/usernames-words.js';
import { AppError } from '../../src/errors.js';

const OWNER = 'saparpomd';
const FOUR_CONSONANTS = /[bcdfghjklmnpqrstvwxz]{4}/;

/** A deterministic random source (mulberry32) for repeatable tests. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An in-memory store of taken usernames, counting the questions. */
function takenSet(usernames: string[] = [], handles: string[] = []) {
  const u = new Set(usernames);
  const h = new Set(handles);
  const asked = { usernames: 0, handles: 0 };
  const availability: UsernameAvailability = {
    usernameTaken: async (name) => (asked.usernames++, u.has(name)),
    handleTaken: async (handle) => (asked.handles++, h.has(handle)),
  };
  return { availability, asked };
}

describe('generateHandle', () => {
  it('makes 6..20 chars of [a-z0-9_], pronounceable', () => {
    const random = seeded(1);
    for (let i = 0; i < 5000; i++) {
      const h = generateHandle(random);
      expect(h).toMatch(/^[a-z0-9_]{6,20}$/);
      expect(h, h).not.toMatch(FOUR_CONSONANTS);
      expect(h, h).not.toMatch(/(.)\1\1/);
    }
  });

  it('uses the secure source by default', () => {
    expect(secureRandom()).toBeGreaterThanOrEqual(0);
    expect(secureRandom()).toBeLessThan(1);
    expect(generateHandle()).toMatch(/^[a-z]{6,20}$/);
  });

  it('is a lead + middle + tail compound', () => {
    const h = generateHandle(seeded(7));
    const ok = LEADS.some((a) => h.startsWith(a) && MIDDLES.some((b) => h.slice(a.length).startsWith(b) && TAILS.includes(h.slice(a.length + b.length))));
    expect(ok).toBe(true);
  });

  it('rarely repeats: 10k handles, few duplicates', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) seen.add(generateHandle());
    expect(10_000 - seen.size).toBeLessThan(100); // ~2.3M combinations: ~20-30 expected
  });

  it('survives a broken random source', () => {
    expect(generateHandle(() => 0)).toMatch(/^[a-z]{6,20}$/);
    expect(generateHandle(() => 0.9999999999)).toMatch(/^[a-z]{6,20}$/);
    expect(generateHandle(() => 1)).toMatch(/^[a-z]{6,20}$/);
    expect(generateHandle(() => Number.NaN)).toMatch(/^[a-z]{6,20}$/);
  });

  it('word lists are plain, short and unique', () => {
    for (const list of [LEADS, MIDDLES, TAILS]) {
      expect(new Set(list).size).toBe(list.length);
      for (const w of list) expect(w).toMatch(/^[a-z]{1,6}$/);
    }
  });
});

describe('validateRequestedHandle', () => {
  it('accepts [a-z0-9_]{3,30}', () => {
    for (const h of ['abc', 'odd_wing_2', 'a'.repeat(30), '___', '007']) expect(validateRequestedHandle(h)).toBe(h);
  });

  it('lowercases rather than refusing capitals', () => {
    expect(validateRequestedHandle('Bob_The_Cat')).toBe('bob_the_cat');
  });

  it('refuses the rest with invalid_parameter on username', () => {
    for (const h of ['ab', 'a'.repeat(31), 'has space', 'dot.ted', 'dash-ed', 'émile', '', ' abc', 'abc\n', '@abc']) {
      expect(() => validateRequestedHandle(h), h).toThrow(AppError);
      try {
        validateRequestedHandle(h);
      } catch (e) {
        expect(e).toMatchObject({ code: 'invalid_parameter', param: 'username' });
      }
    }
    for (const v of [42, {}, [], true]) {
      expect(() => validateRequestedHandle(v)).toThrow(expect.objectContaining({ code: 'invalid_parameter', param: 'username' }));
    }
  });
});

describe('pickUniqueUsername', () => {
  it('a requested handle becomes <owner>.<handle>', async () => {
    const { availability } = takenSet();
    expect(await pickUniqueUsername(OWNER, availability, 'Hero_1')).toBe(`${OWNER}.hero_1`);
  });

  it('a requested handle the owner already has is username_taken', async () => {
    const { availability } = takenSet([`${OWNER}.hero`]);
    await expect(pickUniqueUsername(OWNER, availability, 'hero')).rejects.toMatchObject({ code: 'username_taken', param: 'username' });
  });

  it('a requested handle another owner has is fine', async () => {
    const { availability } = takenSet(['otherownr.hero'], ['hero']);
    expect(await pickUniqueUsername(OWNER, availability, 'hero')).toBe(`${OWNER}.hero`);
  });

  it('a bad requested handle is invalid_parameter, before any lookup', async () => {
    const { availability, asked } = takenSet();
    await expect(pickUniqueUsername(OWNER, availability, 'no way')).rejects.toMatchObject({ code: 'invalid_parameter', param: 'username' });
    expect(asked.usernames + asked.handles).toBe(0);
  });

  it('generates a free handle when none is requested', async () => {
    const { availability } = takenSet();
    expect(await pickUniqueUsername(OWNER, availability)).toMatch(new RegExp(`^${OWNER}\\.[a-z]{6,20}$`));
    expect(await pickUniqueUsername(OWNER, availability, null)).toMatch(new RegExp(`^${OWNER}\\.[a-z]{6,20}$`));
  });

  it('skips handles taken under any owner', async () => {
    const first = generateHandle(seeded(3));
    const { availability } = takenSet([], [first]);
    const picked = await pickUniqueUsername(OWNER, availability, undefined, seeded(3));
    expect(picked).toMatch(new RegExp(`^${OWNER}\\.[a-z]{6,20}$`));
    expect(picked).not.toBe(`${OWNER}.${first}`);
  });

  it('appends digits when plain handles keep clashing, within 20 chars', async () => {
    const availability: UsernameAvailability = {
      usernameTaken: async () => false,
      handleTaken: async (h) => /^[a-z]+$/.test(h), // every plain handle is taken
    };
    for (let i = 0; i < 50; i++) {
      const handle = (await pickUniqueUsername(OWNER, availability)).slice(OWNER.length + 1);
      expect(handle).toMatch(/^[a-z]+[0-9]{2,4}$/);
      expect(handle.length).toBeLessThanOrEqual(20);
    }
  });

  it('gives up after bounded attempts', async () => {
    const { availability, asked } = takenSet();
    const allTaken: UsernameAvailability = { ...availability, handleTaken: async () => (asked.handles++, true) };
    await expect(pickUniqueUsername(OWNER, allTaken)).rejects.toMatchObject({ code: 'internal_error' });
    expect(asked.handles).toBeLessThanOrEqual(32);
  });
});

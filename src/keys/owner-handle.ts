import { createHash } from 'node:crypto';

/**
 * The `<owner>` of usernames: a stable, pronounceable 9-letter handle of an API key, derived
 * from its hash (e.g. `sapkomrid`). Three consonant-vowel-consonant syllables, so at most two
 * consonants ever meet; 16 consonants x 5 vowels give (16*5*16)^3 ≈ 2.1e9 handles. Clashes are
 * rare and handled by the key service (it derives again from a salted input).
 */

export const OWNER_HANDLE_LENGTH = 9;

const CONSONANTS = 'bdfghjklmnprstvz'; // no c/q/x/w/y: each letter reads one way
const VOWELS = 'aeiou';
const SYLLABLE_PATTERN = [CONSONANTS, VOWELS, CONSONANTS] as const;

export function ownerHandleFor(keyHash: string): string {
  const digest = createHash('sha256').update(`sora-characters/owner-handle\n${keyHash}`).digest();
  // 64 bits of the digest, spent in mixed radix (16*5*16)^3 < 2^32: no visible modulo bias.
  let n = digest.readBigUInt64BE(0);
  let handle = '';
  for (let syllable = 0; syllable < 3; syllable++) {
    for (const letters of SYLLABLE_PATTERN) {
      const radix = BigInt(letters.length);
      handle += letters[Number(n % radix)];
      n /= radix;
    }
  }
  return handle;
}

import { randomBytes } from 'node:crypto';
import { AppError } from '../errors.js';
import { LEADS, MIDDLES, TAILS } from './usernames-words.js';

/**
 * Usernames are `<owner>.<handle>` (docs/api.md): the owner is the key's 9-letter handle
 * (owner-handle.ts), the handle either requested by the client or generated here as a
 * pronounceable compound like `oddwingduo`.
 */

/** A uniform number in [0, 1), like Math.random but from the OS's CSPRNG. */
export type RandomSource = () => number;
export const secureRandom: RandomSource = () => randomBytes(6).readUIntBE(0, 6) / 2 ** 48;

export const GENERATED_HANDLE_MIN = 6;
export const GENERATED_HANDLE_MAX = 20;
export const REQUESTED_HANDLE_PATTERN = /^[a-z0-9_]{3,30}$/;

/**
 * Refused: four consonants in a row, or a letter three times running. `y` counts as a vowel,
 * as it sounds in `fizzy` or `sky`.
 */
const HARD_TO_SAY = /[bcdfghjklmnpqrstvwxz]{4}|(.)\1\1/;

/** A generated handle: lead + middle + tail from the built-in lists, 6..20 chars of [a-z]. */
export function generateHandle(random: RandomSource = secureRandom): string {
  return composeHandle(random, GENERATED_HANDLE_MAX);
}

function composeHandle(random: RandomSource, maxLength: number): string {
  for (let attempt = 0; attempt < 100; attempt++) {
    const handle = pick(LEADS, random) + pick(MIDDLES, random) + pick(TAILS, random);
    if (handle.length >= GENERATED_HANDLE_MIN && handle.length <= maxLength && !HARD_TO_SAY.test(handle)) return handle;
  }
  // Only a broken random source gets here (the lists make nearly every draw acceptable).
  return `${LEADS[0]}${MIDDLES[0]}${TAILS[0]}`;
}

function pick(list: readonly string[], random: RandomSource): string {
  const r = random();
  const i = Number.isFinite(r) ? Math.min(list.length - 1, Math.max(0, Math.floor(r * list.length))) : 0;
  return list[i]!;
}

/**
 * Checks a requested handle and returns it normalised. Handles are lowercase (docs/api.md), and
 * `Bob_1` can only mean `bob_1`, so input is lowercased rather than refused; anything still
 * outside [a-z0-9_]{3,30} after that (spaces, dots, accents, wrong length) is refused.
 */
export function validateRequestedHandle(requested: unknown): string {
  if (typeof requested !== 'string') {
    throw new AppError('invalid_parameter', 'username must be a string of 3..30 characters [a-z0-9_]', { param: 'username' });
  }
  const handle = requested.toLowerCase();
  if (!REQUESTED_HANDLE_PATTERN.test(handle)) {
    throw new AppError(
      'invalid_parameter',
      `username must be 3..30 characters of lowercase letters, digits or "_" (got ${JSON.stringify(requested.slice(0, 40))})`,
      { param: 'username' },
    );
  }
  return handle;
}

/** What pickUniqueUsername asks the store. */
export interface UsernameAvailability {
  /** Is `<owner>.<handle>` some character's username? */
  usernameTaken(username: string): Promise<boolean>;
  /** Is the handle some character's handle, under any owner? Generated handles are unique across the service. */
  handleTaken(handle: string): Promise<boolean>;
}

const DIGITS = '0123456789'.split('');

/** Plain tries, then tries with 2, 3 and 4 random digits appended. */
const DIGIT_SCHEDULE = [0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4];

/**
 * The username `<owner>.<handle>` of a new character of `owner` (the handle is what follows the
 * first dot).
 * - requested: `<owner>.<requested>`; 409 username_taken if the owner already has it (a requested
 *   handle need only be unique for its owner, as the contract says).
 * - otherwise: a generated handle no character uses yet, under any owner.
 * A concurrent insert can still take the name between this check and the caller's insert: the
 * repo's unique index turns that into username_taken, which the caller may retry.
 */
export async function pickUniqueUsername(
  owner: string,
  availability: UsernameAvailability,
  requested?: unknown,
  random: RandomSource = secureRandom,
): Promise<string> {
  if (requested !== undefined && requested !== null) {
    // The API answers `<owner>.<handle>`; a client may send that back whole when the owner is its own.
    const ownPrefix = `${owner}.`;
    const bare = typeof requested === 'string' && requested.toLowerCase().startsWith(ownPrefix) ? requested.slice(ownPrefix.length) : requested;
    const handle = validateRequestedHandle(bare);
    const username = `${owner}.${handle}`;
    if (await availability.usernameTaken(username)) {
      throw new AppError('username_taken', `the username ${username} is already taken`, { param: 'username' });
    }
    return username;
  }

  for (const digits of DIGIT_SCHEDULE) {
    const base = composeHandle(random, GENERATED_HANDLE_MAX - digits);
    let handle = base;
    for (let i = 0; i < digits; i++) handle += pick(DIGITS, random);
    const username = `${owner}.${handle}`;
    if (!(await availability.handleTaken(handle)) && !(await availability.usernameTaken(username))) {
      return username;
    }
  }
  throw new AppError('internal_error', 'could not find a free username; try again or request one with "username"');
}

import type { CharacterRecord, CharacterRepo } from './ports.js';

export interface CharacterCacheOptions {
  /**
   * A number that changes whenever another connection or process commits to the database
   * (SQLite's `PRAGMA data_version`). It must be cheap: it is read on every lookup.
   */
  externalChanges: () => number;
  /** Records kept at most (oldest dropped first). */
  maxEntries?: number;
}

/**
 * Point lookups (by id and by username) served from memory, for the read paths: a GET of a
 * character or its profile page then costs no query. Correct because every way a record can
 * change is seen:
 * - a write through this repo empties the cache when it starts and again when it ends, and a
 *   lookup that was in flight across a write does not store what it read (the generation moved);
 * - a commit by anything else on the database (the CLI, another process) moves `externalChanges`,
 *   which is checked before every hit and after every miss.
 * Returned records are frozen: callers share them.
 */
export function withCharacterCache(inner: CharacterRepo, opts: CharacterCacheOptions): CharacterRepo {
  const max = opts.maxEntries ?? 2_000;
  const byId = new Map<string, CharacterRecord>();
  const idByUsername = new Map<string, string>();
  let generation = 0;
  let seenExternal = opts.externalChanges();

  const clear = () => {
    generation++;
    byId.clear();
    idByUsername.clear();
  };
  /** Drops everything if another connection committed since the last look. */
  const checkExternal = () => {
    const now = opts.externalChanges();
    if (now !== seenExternal) {
      seenExternal = now;
      clear();
    }
  };
  const remember = (c: CharacterRecord, startedAt: number): CharacterRecord => {
    checkExternal();
    if (startedAt !== generation) return c;
    if (byId.size >= max) {
      const oldest = byId.keys().next().value as string;
      idByUsername.delete(byId.get(oldest)!.username.toLowerCase());
      byId.delete(oldest);
    }
    const frozen = freezeRecord(c);
    byId.set(c.id, frozen);
    idByUsername.set(c.username.toLowerCase(), c.id);
    return frozen;
  };
  /** Runs a write with the cache emptied before and after it. */
  const writing = async <T>(write: () => Promise<T>): Promise<T> => {
    clear();
    try {
      return await write();
    } finally {
      clear();
    }
  };

  return {
    async get(id) {
      checkExternal();
      const hit = byId.get(id);
      if (hit) return hit;
      const startedAt = generation;
      const c = await inner.get(id);
      return c ? remember(c, startedAt) : null;
    },
    async getByUsername(username) {
      checkExternal();
      const id = idByUsername.get(username.toLowerCase());
      const hit = id === undefined ? undefined : byId.get(id);
      if (hit) return hit;
      const startedAt = generation;
      const c = await inner.getByUsername(username);
      return c ? remember(c, startedAt) : null;
    },
    usernameExists: (username) => inner.usernameExists(username),
    handleExists: (handle) => inner.handleExists(handle),
    listByKey: (keyId, page) => inner.listByKey(keyId, page),
    listReadyWithoutReferences: (page) => inner.listReadyWithoutReferences(page),
    insert: (c) => writing(() => inner.insert(c)),
    update: (id, patch) => writing(() => inner.update(id, patch)),
    delete: (id) => writing(() => inner.delete(id)),
  };
}

function freezeRecord(c: CharacterRecord): CharacterRecord {
  Object.freeze(c.source);
  Object.freeze(c.referenceKeys);
  if (c.subject) deepFreeze(c.subject);
  if (c.media) deepFreeze(c.media);
  return Object.freeze(c);
}

function deepFreeze(value: object): void {
  for (const v of Object.values(value)) if (v && typeof v === 'object') deepFreeze(v);
  Object.freeze(value);
}

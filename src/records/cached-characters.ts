import type { CharacterRecord, CharacterRepo } from './ports.js';

export interface CharacterCacheOptions {
  /**
   * A number that changes whenever another connection or process commits to the database
   * (SQLite's `PRAGMA data_version`). It must be cheap: it is read on every lookup.
   */
  externalChanges?: () => number;
  /**
   * Where no such number exists (PostgreSQL), other processes tell their changes through
   * `forget` (the signal bus), and this says whether they can: while false (the bus is down),
   * every lookup is a query and nothing is kept. After it was false, `forgetAll` must be called
   * before it turns true again (the bus announces a gap).
   */
  trusted?: () => boolean;
  /** Records kept at most (oldest dropped first). */
  maxEntries?: number;
}

export interface CachedCharacterRepo extends CharacterRepo {
  /** Drops the record of `id` (another process changed it); a lookup in flight does not keep what it read. */
  forget(id: string): void;
  /** Drops everything (messages about changes may have been missed). */
  forgetAll(): void;
}

/**
 * Point lookups (by id and by username) served from memory, for the read paths: a GET of a
 * character or its profile page then costs no query. Correct because every way a record can
 * change is seen:
 * - a write through this repo empties the cache when it starts and again when it ends, and a
 *   lookup that was in flight across a write does not store what it read (the generation moved);
 * - a commit by anything else on the database (the CLI, another process) moves `externalChanges`,
 *   which is checked before every hit and after every miss;
 * - or, without that number, another process's change arrives as `forget`, and while such
 *   messages cannot arrive (`trusted` is false) nothing is served from memory.
 * Returned records are frozen: callers share them.
 */
export function withCharacterCache(inner: CharacterRepo, opts: CharacterCacheOptions): CachedCharacterRepo {
  const max = opts.maxEntries ?? 2_000;
  const byId = new Map<string, CharacterRecord>();
  const idByUsername = new Map<string, string>();
  let generation = 0;
  const externalChanges = opts.externalChanges ?? (() => 0);
  const trusted = opts.trusted ?? (() => true);
  let seenExternal = externalChanges();

  const clear = () => {
    generation++;
    byId.clear();
    idByUsername.clear();
  };
  /** Drops everything if another connection committed since the last look. */
  const checkExternal = () => {
    const now = externalChanges();
    if (now !== seenExternal) {
      seenExternal = now;
      clear();
    }
  };
  const remember = (c: CharacterRecord, startedAt: number): CharacterRecord => {
    checkExternal();
    if (startedAt !== generation || !trusted()) return c;
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
      const hit = trusted() ? byId.get(id) : undefined;
      if (hit) return hit;
      const startedAt = generation;
      const c = await inner.get(id);
      return c ? remember(c, startedAt) : null;
    },
    async getByUsername(username) {
      checkExternal();
      const id = trusted() ? idByUsername.get(username.toLowerCase()) : undefined;
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
    forget(id) {
      generation++;
      const c = byId.get(id);
      if (!c) return;
      byId.delete(id);
      if (idByUsername.get(c.username.toLowerCase()) === id) idByUsername.delete(c.username.toLowerCase());
    },
    forgetAll: clear,
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

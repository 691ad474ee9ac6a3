/**
 * The Store port in memory, for the unit tier. It keeps the rules of src/records/kysely/ (the
 * contract suite test/records/store-contract.ts checks both): case-insensitive unique usernames
 * (AppError username_taken), unique key names among active keys (key_name_taken), unique ids,
 * hashes and owners (a plain Error, as a driver's constraint error), putIfAbsent, listing orders
 * and cursors, atomic job claims. Records go in and come out as copies, JSON fields through JSON,
 * as they would through a database.
 *
 * Several stores may share one MemoryDatabase, as several connections share one database file.
 */

import { unixNow } from '../../../src/clock.js';
import { AppError } from '../../../src/errors.js';
import type {
  ApiKeyRecord,
  ApiKeyRepo,
  CharacterRecord,
  CharacterRepo,
  IdempotencyRecord,
  IdempotencyRepo,
  JobRecord,
  JobRepo,
  Store,
  VideoTaskRecord,
  VideoTaskRepo,
} from '../../../src/records/ports.js';

/** The tables: what a database file is to the kysely store. */
export interface MemoryDatabase {
  keys: Map<string, ApiKeyRecord>;
  characters: Map<string, CharacterRecord>;
  idempotency: Map<string, IdempotencyRecord>;
  jobs: Map<string, JobRecord>;
  tasks: Map<string, VideoTaskRecord>;
}

export const createMemoryDatabase = (): MemoryDatabase => ({
  keys: new Map(),
  characters: new Map(),
  idempotency: new Map(),
  jobs: new Map(),
  tasks: new Map(),
});

/** A store over `db` (a fresh one by default). After close() every call rejects, as on a destroyed pool. */
export function createMemoryStore(db: MemoryDatabase = createMemoryDatabase()): Store {
  let closed = false;
  const open = () => {
    if (closed) throw new Error('memory store: used after close()');
  };
  /** Every method of the repo checks that the store is open, then runs. */
  const guarded = <T extends object>(repo: T): T =>
    Object.fromEntries(
      Object.entries(repo).map(([name, fn]) => [
        name,
        async (...args: unknown[]) => {
          open();
          return (fn as (...a: unknown[]) => unknown)(...args);
        },
      ]),
    ) as T;

  return {
    keys: guarded(keysRepo(db)),
    characters: guarded(charactersRepo(db)),
    idempotency: guarded(idempotencyRepo(db)),
    jobs: guarded(jobsRepo(db)),
    tasks: guarded(tasksRepo(db)),
    async ping() {
      open();
    },
    async close() {
      closed = true;
    },
  };
}

/** What a JSON text column gives back: `undefined` dropped, dates as strings, a fresh object. */
const throughJson = <T>(value: T): T => JSON.parse(JSON.stringify(value ?? null)) as T;

/** A driver's unique-constraint error: an Error, not an AppError. */
const constraintError = (table: string, column: string) => new Error(`memory store: unique constraint failed: ${table}.${column}`);

/** Ascending by (createdAt, id), ids compared as the database compares them (code units). */
const byCreatedThenId = (a: { createdAt: number; id: string }, b: { createdAt: number; id: string }) =>
  a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The page after `cursor` of `rows` (already filtered to the key), in `order`, and whether more
 * follow. `cursor` is null for the first page.
 */
function page<T extends { createdAt: number; id: string }>(rows: T[], order: 'asc' | 'desc', cursor: T | null, limit: number) {
  const sorted = [...rows].sort(byCreatedThenId);
  if (order === 'desc') sorted.reverse();
  const after = cursor ? sorted.filter((r) => (order === 'asc' ? byCreatedThenId(r, cursor) > 0 : byCreatedThenId(r, cursor) < 0)) : sorted;
  return { items: after.slice(0, limit), hasMore: after.length > limit };
}

function keysRepo(db: MemoryDatabase): ApiKeyRepo {
  const copy = (k: ApiKeyRecord): ApiKeyRecord => ({ ...k });
  const find = (match: (k: ApiKeyRecord) => boolean) => {
    for (const k of db.keys.values()) if (match(k)) return copy(k);
    return null;
  };
  return {
    async insert(k) {
      if (db.keys.has(k.id)) throw constraintError('api_keys', 'id');
      for (const other of db.keys.values()) {
        if (other.hash === k.hash) throw constraintError('api_keys', 'hash');
        if (other.owner === k.owner) throw constraintError('api_keys', 'owner');
      }
      if (k.revokedAt === null && [...db.keys.values()].some((o) => o.revokedAt === null && o.name === k.name)) {
        throw new AppError('key_name_taken', `an active key is already named "${k.name}"`, { param: 'name' });
      }
      db.keys.set(k.id, copy(k));
    },
    findByHash: async (hash) => find((k) => k.hash === hash),
    findByOwner: async (owner) => find((k) => k.owner === owner),
    async list() {
      return [...db.keys.values()].sort(byCreatedThenId).map(copy);
    },
    async revoke(idOrName, at) {
      // An id names one key; otherwise the name names the one active key of that name.
      for (const field of ['id', 'name'] as const) {
        const active = [...db.keys.values()].filter((k) => k[field] === idOrName && k.revokedAt === null);
        for (const k of active) k.revokedAt = at;
        if (active.length > 0) return true;
      }
      return false;
    },
  };
}

/** The fields of a character a patch may change: all but its identity and its owner. */
const CHARACTER_FIXED = new Set(['id', 'keyId', 'owner']);

function charactersRepo(db: MemoryDatabase): CharacterRepo {
  const copy = (c: CharacterRecord): CharacterRecord => ({ ...c, source: { ...c.source }, media: c.media === null ? null : throughJson(c.media) });
  const byUsername = (username: string) => {
    const lower = username.toLowerCase();
    for (const c of db.characters.values()) if (c.username.toLowerCase() === lower) return c;
    return null;
  };
  const usernameTaken = (username: string) => new AppError('username_taken', `The username '${username}' is already taken.`, { param: 'username' });

  return {
    async insert(c) {
      if (db.characters.has(c.id)) throw constraintError('characters', 'id');
      if (byUsername(c.username)) throw usernameTaken(c.username);
      db.characters.set(c.id, copy(c));
    },
    async get(id) {
      const c = db.characters.get(id);
      return c ? copy(c) : null;
    },
    async getByUsername(username) {
      const c = byUsername(username);
      return c ? copy(c) : null;
    },
    usernameExists: async (username) => byUsername(username) !== null,
    // As the SQL: the asked handle is lowercased, the stored one compared as it is.
    handleExists: async (handle) => [...db.characters.values()].some((c) => c.handle === handle.toLowerCase()),
    async listByKey(keyId, { limit, after }) {
      const mine = [...db.characters.values()].filter((c) => c.keyId === keyId);
      let cursor: CharacterRecord | null = null;
      if (after !== undefined) {
        cursor = mine.find((c) => c.id === after) ?? null;
        if (!cursor) throw new AppError('invalid_parameter', `after: no character '${after}' in this list.`, { param: 'after' });
      }
      const { items, hasMore } = page(mine, 'desc', cursor, limit);
      return { items: items.map(copy), hasMore };
    },
    async update(id, patch) {
      const current = db.characters.get(id);
      if (!current) return null;
      if (patch.username !== undefined) {
        const holder = byUsername(patch.username);
        if (holder && holder.id !== id) throw usernameTaken(patch.username);
      }
      const next: CharacterRecord = { ...current };
      for (const [field, value] of Object.entries(patch)) {
        if (value !== undefined && !CHARACTER_FIXED.has(field)) (next as unknown as Record<string, unknown>)[field] = value;
      }
      next.updatedAt = patch.updatedAt ?? unixNow();
      db.characters.set(id, copy(next));
      return copy(next);
    },
    delete: async (id) => db.characters.delete(id),
  };
}

function idempotencyRepo(db: MemoryDatabase): IdempotencyRepo {
  const slot = (keyId: string, idemKey: string) => JSON.stringify([keyId, idemKey]);
  return {
    async putIfAbsent(r) {
      const key = slot(r.keyId, r.idemKey);
      if (!db.idempotency.has(key)) db.idempotency.set(key, { ...r });
      return { ...db.idempotency.get(key)! };
    },
    async get(keyId, idemKey) {
      const r = db.idempotency.get(slot(keyId, idemKey));
      return r ? { ...r } : null;
    },
    async deleteByCharacter(characterId) {
      for (const [key, r] of db.idempotency) if (r.characterId === characterId) db.idempotency.delete(key);
    },
  };
}

function jobsRepo(db: MemoryDatabase): JobRepo {
  const copy = (j: JobRecord): JobRecord => ({ ...j, payload: throughJson(j.payload) });
  const set = (id: string, fields: Partial<JobRecord>) => {
    const j = db.jobs.get(id);
    if (j) Object.assign(j, fields);
  };
  return {
    async enqueue(job) {
      if (db.jobs.has(job.id)) return;
      const now = Date.now();
      db.jobs.set(job.id, {
        id: job.id,
        type: job.type,
        payload: throughJson(job.payload),
        state: 'queued',
        attempts: 0,
        runAfter: job.runAfter ?? now,
        lockedBy: null,
        lockedAt: null,
        lastError: null,
        createdAt: now,
      });
    },
    // No await between the pick and the mark: two claimers can never take the same job.
    async claim(workerId, types, now) {
      const due = [...db.jobs.values()].filter((j) => j.state === 'queued' && j.runAfter <= now && types.includes(j.type));
      const pick = due.sort((a, b) => a.runAfter - b.runAfter || byCreatedThenId(a, b))[0];
      if (!pick) return null;
      Object.assign(pick, { state: 'running', lockedBy: workerId, lockedAt: now, attempts: pick.attempts + 1 });
      return copy(pick);
    },
    async heartbeat(id, workerId, at) {
      const j = db.jobs.get(id);
      if (j && j.state === 'running' && j.lockedBy === workerId) j.lockedAt = at;
    },
    async get(id) {
      const j = db.jobs.get(id);
      return j ? copy(j) : null;
    },
    complete: async (id) => set(id, { state: 'done', lockedBy: null, lockedAt: null }),
    fail: async (id, error) => set(id, { state: 'failed', lastError: error, lockedBy: null, lockedAt: null }),
    retry: async (id, error, runAfter) => set(id, { state: 'queued', lastError: error, runAfter, lockedBy: null, lockedAt: null }),
    async requeueStale({ lockedBefore }) {
      let n = 0;
      for (const j of db.jobs.values()) {
        if (j.state === 'running' && j.lockedAt !== null && j.lockedAt < lockedBefore) {
          Object.assign(j, { state: 'queued', lockedBy: null, lockedAt: null });
          n++;
        }
      }
      return n;
    },
    async countQueued(types) {
      return [...db.jobs.values()].filter((j) => j.state === 'queued' && (!types || types.includes(j.type))).length;
    },
    async countByState() {
      const counts = new Map<string, { type: string; state: 'queued' | 'running' | 'failed'; count: number }>();
      for (const j of db.jobs.values()) {
        if (j.state === 'done') continue;
        const key = `${j.type}\0${j.state}`;
        const c = counts.get(key) ?? { type: j.type, state: j.state, count: 0 };
        c.count++;
        counts.set(key, c);
      }
      return [...counts.values()];
    },
  };
}

/** The fields of a task a patch may change: all but its identity. */
const TASK_FIXED = new Set(['id', 'keyId']);

function tasksRepo(db: MemoryDatabase): VideoTaskRepo {
  const copy = (t: VideoTaskRecord): VideoTaskRecord => ({ ...t, characterIds: throughJson(t.characterIds) ?? [] });
  return {
    async insert(t) {
      if (db.tasks.has(t.id)) throw constraintError('video_tasks', 'id');
      db.tasks.set(t.id, copy(t));
    },
    async get(id) {
      const t = db.tasks.get(id);
      return t ? copy(t) : null;
    },
    async listByKey(keyId, { limit, order, after }) {
      const mine = [...db.tasks.values()].filter((t) => t.keyId === keyId);
      let cursor: VideoTaskRecord | null = null;
      if (after !== undefined) {
        cursor = mine.find((t) => t.id === after) ?? null;
        if (!cursor) throw new AppError('invalid_parameter', `after: no video '${after}' in this list.`, { param: 'after' });
      }
      const { items, hasMore } = page(mine, order, cursor, limit);
      return { items: items.map(copy), hasMore };
    },
    async update(id, patch) {
      const current = db.tasks.get(id);
      if (!current) return null;
      const next: VideoTaskRecord = { ...current };
      for (const [field, value] of Object.entries(patch)) {
        if (value !== undefined && !TASK_FIXED.has(field)) (next as unknown as Record<string, unknown>)[field] = value;
      }
      db.tasks.set(id, copy(next));
      return copy(next);
    },
    delete: async (id) => db.tasks.delete(id),
  };
}

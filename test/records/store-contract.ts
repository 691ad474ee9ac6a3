import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import type { ApiKeyRecord, CharacterRecord, JobRecord, Store, VideoTaskRecord } from '../../src/records/ports.js';

/**
 * The contract every Store implementation must keep. Tests share one database, so each one works
 * on its own keys, ids and job types and never assumes an empty table.
 */

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
const newKeyId = () => `key_${hex(12)}`;
const newOwner = () => hex(5).slice(0, 9);

export function makeKey(over: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return {
    id: newKeyId(),
    name: `key-${hex(4)}`,
    hash: hex(32),
    owner: newOwner(),
    createdAt: 1_700_000_000,
    revokedAt: null,
    ...over,
  };
}

export function makeCharacter(over: Partial<CharacterRecord> = {}): CharacterRecord {
  const owner = over.owner ?? newOwner();
  const handle = over.handle ?? `h${hex(6)}`;
  return {
    id: `ch_${hex(16)}`,
    keyId: newKeyId(),
    owner,
    handle,
    username: `${owner}.${handle}`,
    displayName: 'Odd Wing Duo',
    visibility: 'private',
    status: 'processing',
    errorCode: null,
    errorMessage: null,
    source: { kind: 'url', ref: 'https://example.com/a.mp4' },
    startSec: 0.5,
    endSec: 2.25,
    model: 'sora-2-character',
    portraitKey: null,
    clipKey: null,
    media: null,
    createdAt: 1_700_000_000,
    updatedAt: 1_700_000_000,
    ...over,
  };
}

export function makeTask(over: Partial<VideoTaskRecord> = {}): VideoTaskRecord {
  return {
    id: `video_${randomUUID()}`,
    keyId: newKeyId(),
    model: 'sora-2',
    engine: 'local',
    status: 'queued',
    progress: 0,
    prompt: 'a cat on a skateboard',
    size: '720x1280',
    seconds: '4',
    remixedFromVideoId: null,
    characterIds: [],
    inputReferenceKey: null,
    videoKey: null,
    thumbnailKey: null,
    spritesheetKey: null,
    durationSec: null,
    errorCode: null,
    errorMessage: null,
    createdAt: 1_700_000_000,
    completedAt: null,
    expiresAt: null,
    ...over,
  };
}

/** Seven creation times with ties, so the id breaks them. */
const TIMES = [100, 100, 100, 101, 102, 102, 103];

const byTimeThenId = (a: { createdAt: number; id: string }, b: { createdAt: number; id: string }) =>
  a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

async function expectAppError(p: Promise<unknown>, code: string, param?: string | null): Promise<void> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe(code);
  if (param !== undefined) expect((err as AppError).param).toBe(param);
}

export function describeStoreContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;

    beforeAll(async () => {
      store = await makeStore();
    });
    afterAll(async () => {
      await store?.close();
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    describe('api keys', () => {
      it('inserts and finds a key by hash and by owner, times as numbers', async () => {
        const k = makeKey();
        await store.keys.insert(k);
        expect(await store.keys.findByHash(k.hash)).toEqual(k);
        expect(await store.keys.findByOwner(k.owner)).toEqual(k);
        expect(typeof (await store.keys.findByHash(k.hash))!.createdAt).toBe('number');
        expect(await store.keys.findByHash(hex(32))).toBeNull();
        expect(await store.keys.findByOwner('zzzzzzzzz')).toBeNull();
      });

      it('lists keys oldest first', async () => {
        const a = makeKey({ createdAt: 1_600_000_001 });
        const b = makeKey({ createdAt: 1_600_000_002 });
        await store.keys.insert(b);
        await store.keys.insert(a);
        const ids = (await store.keys.list()).map((k) => k.id);
        expect(ids).toContain(a.id);
        expect(ids).toContain(b.id);
        expect(ids.indexOf(a.id)).toBeLessThan(ids.indexOf(b.id));
      });

      it('refuses a second key with the same hash or owner', async () => {
        const k = makeKey();
        await store.keys.insert(k);
        await expect(store.keys.insert(makeKey({ hash: k.hash }))).rejects.toThrow();
        await expect(store.keys.insert(makeKey({ owner: k.owner }))).rejects.toThrow();
      });

      it('revokes by id and by name; keeps the first revocation time; unknown or already revoked is false', async () => {
        const byId = makeKey();
        const byName = makeKey();
        await store.keys.insert(byId);
        await store.keys.insert(byName);
        expect(await store.keys.revoke(byId.id, 1_700_000_100)).toBe(true);
        expect((await store.keys.findByHash(byId.hash))!.revokedAt).toBe(1_700_000_100);
        expect(await store.keys.revoke(byName.name, 1_700_000_200)).toBe(true);
        expect((await store.keys.findByOwner(byName.owner))!.revokedAt).toBe(1_700_000_200);
        expect(await store.keys.revoke(byId.id, 1_700_000_300)).toBe(false);
        expect((await store.keys.findByHash(byId.hash))!.revokedAt).toBe(1_700_000_100);
        expect(await store.keys.revoke(`key_${hex(12)}`, 1)).toBe(false);
      });

      it('refuses a second active key of the same name with key_name_taken; a revoked name may be reused', async () => {
        const first = makeKey();
        await store.keys.insert(first);
        await expectAppError(store.keys.insert(makeKey({ name: first.name })), 'key_name_taken', 'name');
        expect(await store.keys.revoke(first.name, 1_700_000_100)).toBe(true);
        const second = makeKey({ name: first.name });
        await store.keys.insert(second);
        // Revoking the name again reaches the one active key of that name, and only it.
        expect(await store.keys.revoke(first.name, 1_700_000_200)).toBe(true);
        expect((await store.keys.findByHash(first.hash))!.revokedAt).toBe(1_700_000_100);
        expect((await store.keys.findByHash(second.hash))!.revokedAt).toBe(1_700_000_200);
        expect(await store.keys.revoke(first.name, 1_700_000_300)).toBe(false);
      });
    });

    describe('characters', () => {
      it('round-trips every field', async () => {
        const c = makeCharacter({
          status: 'ready',
          visibility: 'public',
          source: { kind: 'task', ref: `video_${randomUUID()}` },
          portraitKey: 'characters/x/portrait.webp',
          clipKey: 'characters/x/clip.mp4',
          media: { duration: 10.5, width: 1920, face: true, frames: [1, 2], nested: { a: null } },
          model: null,
          errorCode: 'engine_error',
          errorMessage: 'boom',
        });
        await store.characters.insert(c);
        expect(await store.characters.get(c.id)).toEqual(c);
        expect(await store.characters.get(`ch_${hex(16)}`)).toBeNull();
      });

      it('finds by username case-insensitively and tells whether one exists', async () => {
        const c = makeCharacter();
        await store.characters.insert(c);
        expect((await store.characters.getByUsername(c.username.toUpperCase()))?.id).toBe(c.id);
        expect((await store.characters.getByUsername(c.username))?.id).toBe(c.id);
        expect(await store.characters.usernameExists(c.username.toUpperCase())).toBe(true);
        expect(await store.characters.usernameExists(`${c.username}x`)).toBe(false);
        expect(await store.characters.getByUsername(`${c.username}x`)).toBeNull();
      });

      it('tells whether a handle exists under any owner', async () => {
        const c = makeCharacter();
        await store.characters.insert(c);
        expect(await store.characters.handleExists(c.handle)).toBe(true);
        expect(await store.characters.handleExists(`${c.handle}zz`)).toBe(false);
      });

      it('refuses a taken username (any case) with username_taken', async () => {
        const c = makeCharacter();
        await store.characters.insert(c);
        await expectAppError(store.characters.insert(makeCharacter({ username: c.username.toUpperCase() })), 'username_taken', 'username');
        // A duplicate id is another error, not username_taken.
        const err = await store.characters.insert(makeCharacter({ id: c.id })).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(Error);
        expect(err).not.toBeInstanceOf(AppError);
      });

      it('updates a character and returns it; unknown id gives null', async () => {
        const c = makeCharacter();
        await store.characters.insert(c);
        const before = Math.floor(Date.now() / 1000);
        const u = await store.characters.update(c.id, {
          status: 'ready',
          displayName: 'New name',
          visibility: 'public',
          portraitKey: 'p.webp',
          clipKey: 'c.mp4',
          media: { duration: 3 },
        });
        expect(u).toMatchObject({
          id: c.id,
          status: 'ready',
          displayName: 'New name',
          visibility: 'public',
          portraitKey: 'p.webp',
          clipKey: 'c.mp4',
          media: { duration: 3 },
          username: c.username,
          createdAt: c.createdAt,
        });
        expect(u!.updatedAt).toBeGreaterThanOrEqual(before);
        expect(await store.characters.get(c.id)).toEqual(u);

        const explicit = await store.characters.update(c.id, { updatedAt: 1_800_000_000, errorCode: null, media: null });
        expect(explicit!.updatedAt).toBe(1_800_000_000);
        expect(explicit!.media).toBeNull();
        expect(await store.characters.update(`ch_${hex(16)}`, { status: 'failed' })).toBeNull();
      });

      it('refuses an update to a taken username', async () => {
        const a = makeCharacter();
        const b = makeCharacter();
        await store.characters.insert(a);
        await store.characters.insert(b);
        await expectAppError(store.characters.update(b.id, { username: a.username }), 'username_taken', 'username');
        const renamed = await store.characters.update(b.id, { username: `${b.owner}.renamed${hex(3)}` });
        expect(await store.characters.usernameExists(renamed!.username)).toBe(true);
        expect(await store.characters.usernameExists(b.username)).toBe(false);
      });

      it('deletes a character and frees its username', async () => {
        const c = makeCharacter();
        await store.characters.insert(c);
        expect(await store.characters.delete(c.id)).toBe(true);
        expect(await store.characters.delete(c.id)).toBe(false);
        expect(await store.characters.get(c.id)).toBeNull();
        expect(await store.characters.usernameExists(c.username)).toBe(false);
        await store.characters.insert(makeCharacter({ username: c.username }));
      });

      it('lists a key newest first in pages, each item once, ties broken by id', async () => {
        const keyId = newKeyId();
        const mine = TIMES.map((t) => makeCharacter({ keyId, createdAt: t }));
        for (const c of [...mine].reverse()) await store.characters.insert(c);
        // Another key's characters at the same times are never listed.
        for (const t of TIMES) await store.characters.insert(makeCharacter({ createdAt: t }));

        const expected = [...mine]
          .sort(byTimeThenId)
          .reverse()
          .map((c) => c.id);
        const seen: string[] = [];
        const pages: boolean[] = [];
        let after: string | undefined;
        for (let i = 0; i < 5; i++) {
          const page = await store.characters.listByKey(keyId, { limit: 3, after });
          seen.push(...page.items.map((c) => c.id));
          pages.push(page.hasMore);
          expect(page.items.every((c) => c.keyId === keyId)).toBe(true);
          if (!page.hasMore) break;
          after = page.items[page.items.length - 1].id;
        }
        expect(seen).toEqual(expected);
        expect(pages).toEqual([true, true, false]);

        const exact = await store.characters.listByKey(keyId, { limit: 7 });
        expect(exact.items.map((c) => c.id)).toEqual(expected);
        expect(exact.hasMore).toBe(false);
        const last = await store.characters.listByKey(keyId, { limit: 3, after: expected[6] });
        expect(last).toEqual({ items: [], hasMore: false });
        expect(await store.characters.listByKey(newKeyId(), { limit: 3 })).toEqual({ items: [], hasMore: false });
      });

      it('refuses a cursor that is not a character of the key', async () => {
        const c = makeCharacter();
        await store.characters.insert(c);
        await expectAppError(store.characters.listByKey(newKeyId(), { limit: 3, after: c.id }), 'invalid_parameter', 'after');
        await expectAppError(store.characters.listByKey(c.keyId, { limit: 3, after: `ch_${hex(16)}` }), 'invalid_parameter', 'after');
      });
    });

    describe('idempotency', () => {
      it('keeps the first record of a (key, idempotency key)', async () => {
        const keyId = newKeyId();
        const first = { keyId, idemKey: 'k1', requestHash: hex(32), characterId: `ch_${hex(16)}`, createdAt: 1_700_000_000 };
        expect(await store.idempotency.putIfAbsent(first)).toEqual(first);
        const second = { ...first, requestHash: hex(32), characterId: `ch_${hex(16)}`, createdAt: 1_700_000_500 };
        expect(await store.idempotency.putIfAbsent(second)).toEqual(first);
        expect(await store.idempotency.get(keyId, 'k1')).toEqual(first);
        // The same idempotency key under another API key is another record.
        const other = { ...second, keyId: newKeyId() };
        expect(await store.idempotency.putIfAbsent(other)).toEqual(other);
        expect(await store.idempotency.get(keyId, 'k2')).toBeNull();
      });

      it('deletes the records of a character', async () => {
        const keyId = newKeyId();
        const characterId = `ch_${hex(16)}`;
        await store.idempotency.putIfAbsent({ keyId, idemKey: 'a', requestHash: 'h', characterId, createdAt: 1 });
        await store.idempotency.putIfAbsent({ keyId, idemKey: 'b', requestHash: 'h', characterId, createdAt: 1 });
        const keep = { keyId, idemKey: 'c', requestHash: 'h', characterId: `ch_${hex(16)}`, createdAt: 1 };
        await store.idempotency.putIfAbsent(keep);
        await store.idempotency.deleteByCharacter(characterId);
        expect(await store.idempotency.get(keyId, 'a')).toBeNull();
        expect(await store.idempotency.get(keyId, 'b')).toBeNull();
        expect(await store.idempotency.get(keyId, 'c')).toEqual(keep);
      });
    });

    describe('jobs', () => {
      const newType = () => `test.${hex(4)}`;
      const newId = () => `job_${randomUUID()}`;

      it('enqueues and claims a job: running, locked, attempts 1, payload intact', async () => {
        const type = newType();
        const id = newId();
        const payload = { characterId: `ch_${hex(16)}`, n: 1, list: [1, 'a'] };
        const before = Date.now();
        await store.jobs.enqueue({ id, type, payload });
        const queued = await store.jobs.get(id);
        expect(queued).toMatchObject({ id, type, payload, state: 'queued', attempts: 0, lockedBy: null, lockedAt: null, lastError: null });
        expect(queued!.createdAt).toBeGreaterThanOrEqual(before);
        expect(queued!.runAfter).toBeGreaterThanOrEqual(before);

        const now = Date.now();
        const job = await store.jobs.claim('w1', [type], now);
        expect(job).toMatchObject({ id, type, payload, state: 'running', attempts: 1, lockedBy: 'w1', lockedAt: now });
        expect(typeof job!.runAfter).toBe('number');
        expect(await store.jobs.claim('w2', [type], Date.now())).toBeNull();
      });

      it('claims only the asked types, only when due, in runAfter order; no types claims nothing', async () => {
        const type = newType();
        const now = Date.now();
        await store.jobs.enqueue({ id: newId(), type: newType(), payload: null, runAfter: now - 10_000 });
        const later = newId();
        const soon = newId();
        const future = newId();
        await store.jobs.enqueue({ id: later, type, payload: 1, runAfter: now - 1_000 });
        await store.jobs.enqueue({ id: soon, type, payload: 2, runAfter: now - 5_000 });
        await store.jobs.enqueue({ id: future, type, payload: 3, runAfter: now + 60_000 });
        expect(await store.jobs.claim('w', [], now)).toBeNull();
        expect((await store.jobs.claim('w', [type], now))?.id).toBe(soon);
        expect((await store.jobs.claim('w', [type, 'other.type'], now))?.id).toBe(later);
        expect(await store.jobs.claim('w', [type], now)).toBeNull();
        expect((await store.jobs.claim('w', [type], now + 60_000))?.id).toBe(future);
      });

      it('ignores a second enqueue of the same id', async () => {
        const type = newType();
        const id = newId();
        await store.jobs.enqueue({ id, type, payload: { v: 1 } });
        await store.jobs.enqueue({ id, type, payload: { v: 2 } });
        expect((await store.jobs.get(id))!.payload).toEqual({ v: 1 });
      });

      it('completes, fails and retries jobs', async () => {
        const type = newType();
        const [a, b, c] = [newId(), newId(), newId()];
        for (const id of [a, b, c]) await store.jobs.enqueue({ id, type, payload: null, runAfter: 0 });
        const now = Date.now();
        const claimed = [await store.jobs.claim('w', [type], now), await store.jobs.claim('w', [type], now), await store.jobs.claim('w', [type], now)];
        expect(claimed.map((j) => j?.id).sort()).toEqual([a, b, c].sort());

        await store.jobs.complete(a);
        expect(await store.jobs.get(a)).toMatchObject({ state: 'done', lockedBy: null, lockedAt: null });

        await store.jobs.fail(b, 'it broke');
        expect(await store.jobs.get(b)).toMatchObject({ state: 'failed', lastError: 'it broke', lockedBy: null });

        await store.jobs.retry(c, 'try again', now + 5_000);
        expect(await store.jobs.get(c)).toMatchObject({ state: 'queued', lastError: 'try again', runAfter: now + 5_000, lockedBy: null, attempts: 1 });
        expect(await store.jobs.claim('w', [type], now)).toBeNull();
        const again = await store.jobs.claim('w2', [type], now + 5_000);
        expect(again).toMatchObject({ id: c, attempts: 2, lockedBy: 'w2', state: 'running' });
        expect(await store.jobs.get(c)).toMatchObject({ lastError: 'try again' });
      });

      it('heartbeats only the job of its worker', async () => {
        const type = newType();
        const id = newId();
        await store.jobs.enqueue({ id, type, payload: null, runAfter: 0 });
        await store.jobs.claim('w1', [type], 1_000);
        await store.jobs.heartbeat(id, 'w2', 5_000);
        expect((await store.jobs.get(id))!.lockedAt).toBe(1_000);
        await store.jobs.heartbeat(id, 'w1', 6_000);
        expect((await store.jobs.get(id))!.lockedAt).toBe(6_000);
        await store.jobs.complete(id);
        await store.jobs.heartbeat(id, 'w1', 7_000);
        expect((await store.jobs.get(id))!.state).toBe('done');
      });

      it('requeues running jobs locked before a time, and only those', async () => {
        const type = newType();
        const [old, fresh, queued] = [newId(), newId(), newId()];
        // Times far in the past so other tests' running jobs are not touched.
        await store.jobs.enqueue({ id: old, type, payload: null, runAfter: 0 });
        await store.jobs.enqueue({ id: fresh, type, payload: null, runAfter: 0 });
        expect((await store.jobs.claim('w', [type], 100))?.id).toBeDefined();
        expect((await store.jobs.claim('w', [type], 300))?.id).toBeDefined();
        await store.jobs.enqueue({ id: queued, type, payload: null, runAfter: 0 });
        const lockedAt100 = (await store.jobs.get(old))!.lockedAt === 100 ? old : fresh;
        const lockedAt300 = lockedAt100 === old ? fresh : old;

        expect(await store.jobs.requeueStale({ lockedBefore: 200 })).toBe(1);
        expect(await store.jobs.get(lockedAt100)).toMatchObject({ state: 'queued', lockedBy: null, lockedAt: null, attempts: 1 });
        expect(await store.jobs.get(lockedAt300)).toMatchObject({ state: 'running', lockedBy: 'w', lockedAt: 300 });
        expect((await store.jobs.get(queued))!.state).toBe('queued');
        expect(await store.jobs.requeueStale({ lockedBefore: 200 })).toBe(0);
        expect((await store.jobs.claim('w', [type], Date.now()))?.id).toBeDefined();
      });

      it('counts queued jobs', async () => {
        const type = newType();
        const base = await store.jobs.countQueued();
        await store.jobs.enqueue({ id: newId(), type, payload: null });
        await store.jobs.enqueue({ id: newId(), type, payload: null, runAfter: Date.now() + 60_000 });
        expect(await store.jobs.countQueued()).toBe(base + 2);
        const j = await store.jobs.claim('w', [type], Date.now());
        expect(await store.jobs.countQueued()).toBe(base + 1);
        await store.jobs.complete(j!.id);
        expect(await store.jobs.countQueued()).toBe(base + 1);
      });

      it('counts jobs not done by type and state', async () => {
        const type = newType();
        const of = async () => (await store.jobs.countByState()).filter((c) => c.type === type).sort((a, b) => a.state.localeCompare(b.state));
        expect(await of()).toEqual([]);
        for (let i = 0; i < 4; i++) await store.jobs.enqueue({ id: newId(), type, payload: null, runAfter: 0 });
        const a = await store.jobs.claim('w', [type], Date.now());
        const b = await store.jobs.claim('w', [type], Date.now());
        const c = await store.jobs.claim('w', [type], Date.now());
        await store.jobs.fail(a!.id, 'boom');
        await store.jobs.complete(b!.id);
        expect(c).not.toBeNull();
        expect(await of()).toEqual([
          { type, state: 'failed', count: 1 },
          { type, state: 'queued', count: 1 },
          { type, state: 'running', count: 1 },
        ]);
      });

      it('never hands one job to two concurrent claimers (two store instances)', async () => {
        const other = await makeStore();
        try {
          const type = newType();
          const ids = Array.from({ length: 20 }, newId);
          for (const id of ids) await store.jobs.enqueue({ id, type, payload: { id }, runAfter: 0 });
          const claimer = async (s: Store, worker: string): Promise<JobRecord[]> => {
            const got: JobRecord[] = [];
            for (;;) {
              const j = await s.jobs.claim(worker, [type], Date.now());
              if (!j) return got;
              got.push(j);
              await new Promise((r) => setImmediate(r));
            }
          };
          const results = await Promise.all([claimer(store, 'a1'), claimer(other, 'b1'), claimer(store, 'a2'), claimer(other, 'b2')]);
          const all = results.flat();
          expect(all.map((j) => j.id).sort()).toEqual([...ids].sort());
          expect(new Set(all.map((j) => j.id)).size).toBe(20);
          for (const [i, worker] of ['a1', 'b1', 'a2', 'b2'].entries()) {
            for (const j of results[i]) expect((await store.jobs.get(j.id))!.lockedBy).toBe(worker);
          }
          expect(all.every((j) => j.attempts === 1)).toBe(true);
        } finally {
          await other.close();
        }
      });
    });

    describe('video tasks', () => {
      it('round-trips every field', async () => {
        const t = makeTask({
          status: 'completed',
          progress: 100,
          characterIds: [`ch_${hex(16)}`, `ch_${hex(16)}`],
          remixedFromVideoId: `video_${randomUUID()}`,
          inputReferenceKey: 'ref.png',
          videoKey: 'v.mp4',
          thumbnailKey: 't.webp',
          spritesheetKey: 's.jpg',
          durationSec: 4.04,
          completedAt: 1_700_000_010,
          expiresAt: 1_700_086_410,
        });
        await store.tasks.insert(t);
        expect(await store.tasks.get(t.id)).toEqual(t);
        const plain = makeTask();
        await store.tasks.insert(plain);
        expect(await store.tasks.get(plain.id)).toEqual(plain);
        expect(await store.tasks.get(`video_${randomUUID()}`)).toBeNull();
      });

      it('lists a key in both orders with a cursor, each item once, ties broken by id', async () => {
        const keyId = newKeyId();
        const mine = TIMES.map((t) => makeTask({ keyId, createdAt: t }));
        for (const t of [...mine].reverse()) await store.tasks.insert(t);
        for (const t of TIMES) await store.tasks.insert(makeTask({ createdAt: t }));

        for (const order of ['asc', 'desc'] as const) {
          const sorted = [...mine].sort(byTimeThenId).map((t) => t.id);
          const expected = order === 'asc' ? sorted : sorted.reverse();
          const seen: string[] = [];
          const more: boolean[] = [];
          let after: string | undefined;
          for (let i = 0; i < 5; i++) {
            const page = await store.tasks.listByKey(keyId, { limit: 3, order, after });
            expect(page.items.every((t) => t.keyId === keyId)).toBe(true);
            seen.push(...page.items.map((t) => t.id));
            more.push(page.hasMore);
            if (!page.hasMore) break;
            after = page.items[page.items.length - 1].id;
          }
          expect(seen).toEqual(expected);
          expect(more).toEqual([true, true, false]);
        }
        await expectAppError(store.tasks.listByKey(newKeyId(), { limit: 3, order: 'asc', after: mine[0].id }), 'invalid_parameter', 'after');
      });

      it('updates and deletes a task', async () => {
        const t = makeTask();
        await store.tasks.insert(t);
        const u = await store.tasks.update(t.id, { status: 'in_progress', progress: 42.5 });
        expect(u).toEqual({ ...t, status: 'in_progress', progress: 42.5 });
        const done = await store.tasks.update(t.id, {
          status: 'completed',
          progress: 100,
          videoKey: 'v.mp4',
          completedAt: 1_700_000_100,
          characterIds: ['ch_1'],
          durationSec: 8,
        });
        expect(await store.tasks.get(t.id)).toEqual(done);
        expect(done).toMatchObject({ videoKey: 'v.mp4', completedAt: 1_700_000_100, characterIds: ['ch_1'], durationSec: 8 });
        expect(await store.tasks.update(t.id, {})).toEqual(done);
        expect(await store.tasks.update(`video_${randomUUID()}`, { status: 'failed' })).toBeNull();
        expect(await store.tasks.delete(t.id)).toBe(true);
        expect(await store.tasks.delete(t.id)).toBe(false);
        expect(await store.tasks.get(t.id)).toBeNull();
      });
    });

    it('opens again on the same database (migrations are idempotent) and sees the data', async () => {
      const k = makeKey();
      await store.keys.insert(k);
      const again = await makeStore();
      try {
        await again.ping();
        expect(await again.keys.findByHash(k.hash)).toEqual(k);
      } finally {
        await again.close();
      }
    });
  });
}

/** Migrations: a second run on a migrated database applies nothing. */
export function describeMigrations(name: string, url: () => string): void {
  describe(`migrations: ${name}`, () => {
    it('apply once, then nothing more', async () => {
      const { openDatabase, migrateToLatest, createMigrator } = await import('../../src/records/kysely/index.js');
      const first = openDatabase(url());
      try {
        await migrateToLatest(first.db);
        expect(await migrateToLatest(first.db)).toEqual([]);
        const all = await (await createMigrator(first.db)).getMigrations();
        expect(all.length).toBeGreaterThan(0);
        expect(all.every((m) => m.executedAt !== undefined)).toBe(true);
      } finally {
        await first.db.destroy();
      }
      const second = openDatabase(url());
      try {
        expect(await migrateToLatest(second.db)).toEqual([]);
      } finally {
        await second.db.destroy();
      }
    });

    it('0002 keeps the oldest of active keys that shared a name and renames the others', async () => {
      const { openDatabase, createMigrator } = await import('../../src/records/kysely/index.js');
      const { db } = openDatabase(url());
      try {
        const migrator = await createMigrator(db);
        await migrator.migrateDown();
        expect((await migrator.getMigrations()).filter((m) => m.executedAt).map((m) => m.name)).toEqual(['0001_initial']);
        const key = (id: string, createdAt: number, revokedAt: number | null = null) => ({
          id,
          name: 'shared',
          hash: `h-${id}`,
          owner: `o${id.slice(-8)}`,
          created_at: createdAt,
          revoked_at: revokedAt,
        });
        await db
          .insertInto('api_keys')
          .values([key('key_dup00000001', 1), key('key_dup00000002', 2), key('key_dup00000003', 3, 5)])
          .execute();
        await migrator.migrateToLatest();
        const rows = await db.selectFrom('api_keys').select(['id', 'name']).where('id', 'like', 'key_dup%').orderBy('id').execute();
        expect(rows).toEqual([
          { id: 'key_dup00000001', name: 'shared' },
          { id: 'key_dup00000002', name: 'shared key_dup00000002' },
          { id: 'key_dup00000003', name: 'shared' },
        ]);
      } finally {
        await db.destroy();
      }
    });
  });
}

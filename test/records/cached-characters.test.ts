import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withCharacterCache } from '../../src/records/cached-characters.js';
import { createKyselyStore } from '../../src/records/kysely/index.js';
import type { CharacterRecord, CharacterRepo, Store } from '../../src/records/ports.js';
import { makeCharacter } from './store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'sora-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A CharacterRepo over a Map that counts its lookups and can hold a lookup until released. */
function countingRepo() {
  const rows = new Map<string, CharacterRecord>();
  let lookups = 0;
  let hold: Promise<void> | null = null;
  const copy = (c: CharacterRecord | undefined) => (c ? structuredClone(c) : null);
  const repo: CharacterRepo = {
    async insert(c) {
      rows.set(c.id, structuredClone(c));
    },
    async get(id) {
      lookups++;
      const found = copy(rows.get(id)); // read now, answer after the hold: a read that raced a write
      if (hold !== null) await hold;
      return found;
    },
    async getByUsername(u) {
      lookups++;
      return copy([...rows.values()].find((c) => c.username === u.toLowerCase()));
    },
    usernameExists: async (u) => [...rows.values()].some((c) => c.username === u),
    handleExists: async () => false,
    listByKey: async () => ({ items: [], hasMore: false }),
    listReadyWithoutReferences: async () => [],
    async update(id, patch) {
      const c = rows.get(id);
      if (!c) return null;
      Object.assign(c, patch);
      return structuredClone(c);
    },
    delete: async (id) => rows.delete(id),
  };
  return {
    repo,
    lookups: () => lookups,
    holdLookups() {
      let release!: () => void;
      hold = new Promise((r) => (release = r));
      return () => {
        hold = null;
        release();
      };
    },
  };
}

describe('character cache (in memory)', () => {
  let external = 0;
  const cached = (inner: CharacterRepo, maxEntries?: number) => withCharacterCache(inner, { externalChanges: () => external, maxEntries });
  /** A cache over a counting repo, holding one character inserted through it. */
  const withOne = async (over: Partial<CharacterRecord> = {}) => {
    const inner = countingRepo();
    const repo = cached(inner.repo);
    const c = makeCharacter(over);
    await repo.insert(c);
    return { inner, repo, c };
  };

  it('answers a second lookup by id or username from memory', async () => {
    const { inner, repo, c } = await withOne();
    expect((await repo.get(c.id))?.username).toBe(c.username);
    expect(await repo.get(c.id)).toEqual(c);
    expect(await repo.getByUsername(c.username.toUpperCase())).toEqual(c);
    expect(inner.lookups()).toBe(1);
  });

  it('does not remember a miss', async () => {
    const inner = countingRepo();
    const repo = cached(inner.repo);
    const c = makeCharacter();
    expect(await repo.get(c.id)).toBeNull();
    await inner.repo.insert(c); // behind the cache's back, as a miss must not be remembered anyway
    expect((await repo.get(c.id))?.id).toBe(c.id);
  });

  it('sees its own update and delete at once', async () => {
    const { repo, c } = await withOne();
    await repo.get(c.id);
    await repo.update(c.id, { status: 'ready', displayName: 'New Name' });
    expect((await repo.get(c.id))?.status).toBe('ready');
    expect((await repo.getByUsername(c.username))?.displayName).toBe('New Name');
    await repo.delete(c.id);
    expect(await repo.get(c.id)).toBeNull();
    expect(await repo.getByUsername(c.username)).toBeNull();
  });

  it('does not keep what a lookup read before a write that finished while it was in flight', async () => {
    const { inner, repo, c } = await withOne();
    const release = inner.holdLookups();
    const racing = repo.get(c.id); // reads 'processing' now, answers later
    await repo.update(c.id, { status: 'ready' });
    release();
    expect((await racing)?.status).toBe('processing');
    expect((await repo.get(c.id))?.status).toBe('ready');
  });

  it('drops everything when the database says someone else committed', async () => {
    const { inner, repo, c } = await withOne();
    await repo.get(c.id);
    await inner.repo.update(c.id, { visibility: 'public' }); // another process
    expect((await repo.get(c.id))?.visibility).toBe('private'); // nothing said so yet
    external++;
    expect((await repo.get(c.id))?.visibility).toBe('public');
  });

  it('keeps at most maxEntries records, dropping the oldest', async () => {
    const inner = countingRepo();
    const repo = cached(inner.repo, 2);
    const [a, b, c] = [makeCharacter(), makeCharacter(), makeCharacter()];
    for (const x of [a, b, c]) await inner.repo.insert(x);
    for (const x of [a, b, c]) await repo.get(x.id);
    const before = inner.lookups();
    await repo.get(c.id);
    await repo.get(b.id);
    expect(inner.lookups()).toBe(before);
    await repo.getByUsername(a.username);
    expect(inner.lookups()).toBe(before + 1);
  });

  it('hands out frozen records, so no caller can change what the next one reads', async () => {
    const { repo, c } = await withOne({ media: { face: { box: [1, 2, 3, 4] } } });
    const got = (await repo.get(c.id))!;
    expect(() => {
      (got as { status: string }).status = 'failed';
    }).toThrow(TypeError);
    expect(() => {
      (got.media!.face as { box: number[] }).box.push(5);
    }).toThrow(TypeError);
    expect(Object.isFrozen(got.source)).toBe(true);
  });
});

describe('character cache over SQLite', () => {
  let first: Store;
  let second: Store;
  beforeEach(async () => {
    const url = `sqlite:${join(dir, `two-${Date.now()}-${Math.random()}.db`)}`;
    // As the composition root does it: lookups from memory where the database tells of others' commits.
    const cachedOver = async () => {
      const store = await createKyselyStore(url);
      return { ...store, characters: withCharacterCache(store.characters, { externalChanges: store.externalChanges! }) };
    };
    first = await cachedOver();
    second = await cachedOver();
  });
  afterEach(async () => {
    await first.close();
    await second.close();
  });

  it('sees a commit made by another connection on the next lookup', async () => {
    const c = makeCharacter();
    await first.characters.insert(c);
    expect((await first.characters.get(c.id))?.status).toBe('processing');
    expect((await first.characters.getByUsername(c.username))?.status).toBe('processing');
    await second.characters.update(c.id, { status: 'ready', portraitKey: `characters/${c.id}/portrait.webp` });
    expect((await first.characters.get(c.id))?.status).toBe('ready');
    expect((await first.characters.getByUsername(c.username))?.portraitKey).toBe(`characters/${c.id}/portrait.webp`);
    await second.characters.delete(c.id);
    expect(await first.characters.get(c.id)).toBeNull();
  });

  it('sees a username given up by another connection', async () => {
    const c = makeCharacter();
    await first.characters.insert(c);
    await first.characters.getByUsername(c.username);
    await second.characters.update(c.id, { username: `${c.owner}.renamed`, handle: 'renamed' });
    expect(await first.characters.getByUsername(c.username)).toBeNull();
    expect((await first.characters.getByUsername(`${c.owner}.renamed`))?.id).toBe(c.id);
  });
});

describe('character cache told of changes by signals (PostgreSQL: no externalChanges)', () => {
  const told = async (trusted: () => boolean = () => true) => {
    const inner = countingRepo();
    const repo = withCharacterCache(inner.repo, { trusted });
    const [a, b] = [makeCharacter(), makeCharacter()];
    for (const x of [a, b]) await inner.repo.insert(x);
    return { inner, repo, a, b };
  };

  it('serves from memory until forget(id) drops that record, by id and by username; the others stay', async () => {
    const { inner, repo, a, b } = await told();
    await repo.get(a.id);
    await repo.get(b.id);
    await inner.repo.update(a.id, { visibility: 'public' }); // another process
    expect((await repo.getByUsername(a.username))?.visibility).toBe('private');
    const before = inner.lookups();
    repo.forget(a.id);
    expect((await repo.getByUsername(a.username))?.visibility).toBe('public');
    expect((await repo.get(b.id))?.id).toBe(b.id);
    expect(inner.lookups()).toBe(before + 1);
    await inner.repo.delete(a.id);
    repo.forget(a.id);
    expect(await repo.get(a.id)).toBeNull();
    expect(await repo.getByUsername(a.username)).toBeNull();
  });

  it('a lookup in flight when forget(id) comes does not keep what it read', async () => {
    const { inner, repo, a } = await told();
    const release = inner.holdLookups();
    const racing = repo.get(a.id); // read before the other process's commit
    await inner.repo.update(a.id, { status: 'ready' });
    repo.forget(a.id);
    release();
    expect((await racing)?.status).toBe('processing');
    expect((await repo.get(a.id))?.status).toBe('ready');
  });

  it('forgetAll drops everything (a gap on the bus)', async () => {
    const { inner, repo, a, b } = await told();
    await repo.get(a.id);
    await repo.get(b.id);
    await inner.repo.update(a.id, { displayName: 'A2' });
    await inner.repo.update(b.id, { displayName: 'B2' });
    repo.forgetAll();
    expect((await repo.get(a.id))?.displayName).toBe('A2');
    expect((await repo.get(b.id))?.displayName).toBe('B2');
  });

  it('while the bus is down (not trusted) every lookup is a query and nothing is kept', async () => {
    let live = false;
    const { inner, repo, a } = await told(() => live);
    await repo.get(a.id);
    await repo.get(a.id);
    await repo.getByUsername(a.username);
    expect(inner.lookups()).toBe(3);
    live = true;
    await repo.get(a.id);
    await repo.get(a.id);
    expect(inner.lookups()).toBe(4);
    live = false; // kept records are not served while changes could go unsaid
    await inner.repo.update(a.id, { visibility: 'public' });
    expect((await repo.get(a.id))?.visibility).toBe('public');
    expect(inner.lookups()).toBe(5);
  });
});

import { describe, expect, it } from 'vitest';
import { BACKFILL_SPACING_MS, createReferenceBackfillJob, enqueueReferenceBackfill, referenceJobId } from '../../src/characters/backfill-references.js';
import type { MediaToolkit } from '../../src/characters/ports.js';
import { makeCharacter } from '../records/store-contract.js';
import { createMemoryBlobStore } from '../support/fakes/memory-blobs.js';
import { createMemoryStore } from '../support/fakes/memory-store.js';

/** The boot step of the backfill, on the in-memory store: which characters, which job ids, when due. */
describe('enqueueReferenceBackfill', () => {
  it('enqueues one job per ready character without frames, ids derived from theirs, due one spacing apart; twice changes nothing', async () => {
    const store = createMemoryStore();
    const old = [0, 1, 2].map(() => makeCharacter({ status: 'ready' }));
    const others = [
      makeCharacter({ status: 'ready', referenceKeys: ['characters/a/frame-0.jpg', 'characters/a/frame-1.jpg'] }),
      makeCharacter({ status: 'processing' }),
      makeCharacter({ status: 'failed' }),
    ];
    for (const c of [...old, ...others]) await store.characters.insert(c);
    const enqueued: { type: string; payload: unknown; id?: string; runAfter?: number }[] = [];
    const queue = {
      async enqueue(type: string, payload: unknown, o?: { id?: string; runAfter?: number }) {
        enqueued.push({ type, payload, ...o });
        await store.jobs.enqueue({ id: o!.id!, type, payload, runAfter: o?.runAfter });
      },
    };
    expect(await enqueueReferenceBackfill(store, queue, () => 1_000_000)).toBe(3);
    const ids = old.map((c) => c.id).sort();
    expect(enqueued).toEqual(
      ids.map((characterId, i) => ({
        type: 'character.references',
        payload: { characterId },
        id: referenceJobId(characterId),
        runAfter: 1_000_000 + i * BACKFILL_SPACING_MS,
      })),
    );
    expect(await store.jobs.countQueued(['character.references'])).toBe(3);
    await enqueueReferenceBackfill(store, queue, () => 2_000_000);
    expect(await store.jobs.countQueued(['character.references'])).toBe(3);
    expect((await store.jobs.get(referenceJobId(ids[0])))?.runAfter).toBe(1_000_000);
  });
});

describe('the backfill job', () => {
  it('does nothing for a character that is gone, not ready, already has frames, or whose job ran too often', async () => {
    const store = createMemoryStore();
    const touched: string[] = [];
    // Any use of the media toolkit is recorded and fails: none must happen.
    const media = new Proxy({} as MediaToolkit, {
      get: (_t, name) => () => {
        touched.push(String(name));
        throw new Error(`media.${String(name)} called`);
      },
    });
    const warned: object[] = [];
    const job = createReferenceBackfillJob({
      store,
      blobs: createMemoryBlobStore(),
      media,
      workDir: '/nonexistent',
      log: { info: () => {}, warn: (o) => void warned.push(o) },
    });
    const keys = { clipKey: 'characters/x/clip.mp4', portraitKey: 'characters/x/portrait.webp' };
    const processing = makeCharacter({ status: 'processing', ...keys });
    const done = makeCharacter({ status: 'ready', ...keys, referenceKeys: ['characters/x/frame-0.jpg', 'characters/x/frame-1.jpg'] });
    const tired = makeCharacter({ status: 'ready', ...keys });
    for (const c of [processing, done, tired]) await store.characters.insert(c);
    const ctx = (attempt: number) => ({ attempt, maxAttempts: 3, signal: new AbortController().signal });
    await job.run({ characterId: 'ch_00000000000000000000000000000000' }, ctx(1));
    await job.run({ characterId: processing.id }, ctx(1));
    await job.run({ characterId: done.id }, ctx(1));
    // Out of runs: the queue's one rule calls onExhausted instead of running it again.
    await job.onExhausted({ characterId: tired.id }, new Error('interrupted 3 times'));
    expect(touched).toEqual([]);
    expect(warned).toEqual([expect.objectContaining({ characterId: tired.id })]);
    expect(await store.characters.get(tired.id)).toMatchObject({ referenceKeys: [], voiceKey: null, subject: null });
  });
});

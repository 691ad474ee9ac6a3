import { describe, expect, it } from 'vitest';
import { BACKFILL_SPACING_MS, enqueueReferenceBackfill, referenceJobId } from '../../src/characters/backfill-references.js';
import { makeCharacter } from '../records/store-contract.js';
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

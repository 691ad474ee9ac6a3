import { describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/blobs/ports.js';
import { withSmallBlobCache } from '../../src/blobs/small-blob-cache.js';
import { createMemoryBlobStore } from '../support/fakes/memory-blobs.js';

/** The memory store (its contract suite checks it), counting the stats and reads that reach it. */
function counted() {
  const mem = createMemoryBlobStore();
  const counts = { stat: 0, read: 0 };
  const store: BlobStore = {
    ...mem,
    stat(k) {
      counts.stat++;
      return mem.stat(k);
    },
    read(k, r) {
      counts.read++;
      return mem.read(k, r);
    },
  };
  return { mem, store, counts };
}

const portrait = Buffer.from(Array.from({ length: 2000 }, (_, i) => i % 241));

describe('small-blob cache told by signals', () => {
  it('while trusted, a kept blob is rechecked only every trustedRecheckMs; untrusted, every recheckMs again', async () => {
    const { store, counts } = counted();
    let t = 0;
    let trusted = true;
    const cache = withSmallBlobCache(store, { now: () => t, recheckMs: 1_000, trusted: () => trusted, trustedRecheckMs: 60_000 });
    await cache.putBuffer('characters/ch_1/portrait.webp', portrait, 'image/webp');
    await cache.load('characters/ch_1/portrait.webp');
    t = 59_999;
    await cache.load('characters/ch_1/portrait.webp');
    expect(counts).toEqual({ stat: 1, read: 1 });
    t = 60_000;
    await cache.load('characters/ch_1/portrait.webp');
    expect(counts).toEqual({ stat: 2, read: 1 });
    trusted = false;
    t = 61_000;
    await cache.load('characters/ch_1/portrait.webp');
    expect(counts).toEqual({ stat: 3, read: 1 });
  });

  it('forget(prefix) drops the kept blobs under it, so a delete by another process shows at once; others stay', async () => {
    const { mem, store, counts } = counted();
    const cache = withSmallBlobCache(store, { now: () => 0, trusted: () => true });
    await cache.putBuffer('characters/ch_1/portrait.webp', portrait, 'image/webp');
    await cache.putBuffer('characters/ch_2/portrait.webp', portrait, 'image/webp');
    await cache.load('characters/ch_1/portrait.webp');
    await cache.load('characters/ch_2/portrait.webp');
    await mem.deletePrefix('characters/ch_1/'); // another process
    expect(await cache.load('characters/ch_1/portrait.webp')).not.toBeNull(); // not told yet
    cache.forget('characters/ch_1/');
    expect(await cache.load('characters/ch_1/portrait.webp')).toBeNull();
    const before = { ...counts };
    expect((await cache.load('characters/ch_2/portrait.webp'))?.bytes?.equals(portrait)).toBe(true);
    expect(counts).toEqual(before);
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { sendBlob } from '../../src/api/send-blob.js';
import { createDiskBlobStore } from '../../src/blobs/disk/disk-blob-store.js';
import type { BlobStore } from '../../src/blobs/ports.js';
import { withSmallBlobCache } from '../../src/blobs/small-blob-cache.js';
import { describeBlobStoreContract } from './blob-store-contract.js';

const roots: string[] = [];
const newRoot = async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'small-blob-cache-'));
  roots.push(dir);
  return dir;
};
afterAll(async () => {
  await Promise.all(roots.map((d) => rm(d, { recursive: true, force: true })));
});

describeBlobStoreContract('disk behind the small-blob cache', async () => withSmallBlobCache(createDiskBlobStore(await newRoot())));

/** The disk store, counting the reads that reach it. */
async function countedDisk() {
  const disk = createDiskBlobStore(await newRoot());
  const counts = { stat: 0, read: 0 };
  const store: BlobStore = {
    ...disk,
    stat: (k) => (counts.stat++, disk.stat(k)),
    read: (k, r) => (counts.read++, disk.read(k, r)),
  };
  return { disk, store, counts };
}

const portrait = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 251));

describe('small-blob cache', () => {
  it('serves a small blob from memory after the first load, until the recheck is due', async () => {
    const { store, counts } = await countedDisk();
    let t = 0;
    const cache = withSmallBlobCache(store, { now: () => t, recheckMs: 1000 });
    await cache.putBuffer('c/ch_1/portrait.webp', portrait, 'image/webp');
    const first = await cache.load('c/ch_1/portrait.webp');
    expect(first).toMatchObject({ size: portrait.length, contentType: 'image/webp' });
    expect(first!.bytes!.equals(portrait)).toBe(true);
    t = 999;
    await cache.load('c/ch_1/portrait.webp');
    expect(counts).toEqual({ stat: 1, read: 1 });
    t = 1000; // due: the store is asked whether it still exists, the bytes are not read again
    expect((await cache.load('c/ch_1/portrait.webp'))!.bytes!.equals(portrait)).toBe(true);
    expect(counts).toEqual({ stat: 2, read: 1 });
  });

  it('hands large blobs back without bytes, and answers null for a missing key', async () => {
    const { store } = await countedDisk();
    const cache = withSmallBlobCache(store, { maxBlobBytes: 1000 });
    await cache.putBuffer('c/big.mp4', portrait, 'video/mp4');
    expect(await cache.load('c/big.mp4')).toEqual({ size: portrait.length, contentType: 'video/mp4', bytes: null });
    expect(await cache.load('c/none.webp')).toBeNull();
  });

  it('forgets a blob deleted or put again through it at once', async () => {
    const { store } = await countedDisk();
    const cache = withSmallBlobCache(store);
    await cache.putBuffer('c/ch_2/portrait.webp', portrait, 'image/webp');
    await cache.load('c/ch_2/portrait.webp');
    await cache.putBuffer('c/ch_2/portrait.webp', Buffer.from('new'), 'image/png');
    expect(await cache.load('c/ch_2/portrait.webp')).toEqual({ size: 3, contentType: 'image/png', bytes: Buffer.from('new') });
    await cache.deletePrefix('c/ch_2/');
    expect(await cache.load('c/ch_2/portrait.webp')).toBeNull();
  });

  it('sees a delete made behind its back once the recheck is due', async () => {
    const { disk, store } = await countedDisk();
    let t = 0;
    const cache = withSmallBlobCache(store, { now: () => t, recheckMs: 1000 });
    await cache.putBuffer('c/ch_3/portrait.webp', portrait, 'image/webp');
    await cache.load('c/ch_3/portrait.webp');
    await disk.deletePrefix('c/ch_3/'); // another process
    expect(await cache.load('c/ch_3/portrait.webp')).not.toBeNull();
    t = 1000;
    expect(await cache.load('c/ch_3/portrait.webp')).toBeNull();
  });

  it('with recheckMs Infinity never asks the store again, however much time passes', async () => {
    const { disk, store, counts } = await countedDisk();
    let t = 0;
    const cache = withSmallBlobCache(store, { now: () => t, recheckMs: Number.POSITIVE_INFINITY });
    await cache.putBuffer('c/ch_5/portrait.webp', portrait, 'image/webp');
    for (let i = 0; i < 50; i++) {
      t = i * 60_000;
      expect((await cache.load('c/ch_5/portrait.webp'))?.bytes?.equals(portrait)).toBe(true);
    }
    expect(counts).toEqual({ stat: 1, read: 1 });
    await disk.deletePrefix('c/ch_5/'); // another process: unseen until it is told
    expect(await cache.load('c/ch_5/portrait.webp')).not.toBeNull();
    expect(counts.stat).toBe(1);
  });

  it('forget(prefix) drops the kept blobs under it, and only those', async () => {
    const { disk, store, counts } = await countedDisk();
    const cache = withSmallBlobCache(store, { recheckMs: Number.POSITIVE_INFINITY });
    for (const k of ['c/ch_6/portrait.webp', 'c/ch_6/thumb.webp', 'c/ch_66/portrait.webp', 'c/ch_7/portrait.webp']) {
      await cache.putBuffer(k, portrait, 'image/webp');
      await cache.load(k);
    }
    await disk.deletePrefix('c/ch_6/'); // another process deletes, then signals
    cache.forget('c/ch_6/');
    counts.stat = 0;
    counts.read = 0;
    expect(await cache.load('c/ch_6/portrait.webp')).toBeNull();
    expect(await cache.load('c/ch_6/thumb.webp')).toBeNull();
    expect(counts.stat).toBe(2);
    expect(await cache.load('c/ch_66/portrait.webp')).not.toBeNull();
    expect(await cache.load('c/ch_7/portrait.webp')).not.toBeNull();
    expect(counts).toEqual({ stat: 2, read: 0 });
  });

  it('forget during a load keeps the load from storing what it read', async () => {
    const { disk } = await countedDisk();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let reads = 0;
    const slow: BlobStore = {
      ...disk,
      read: async (k, r) => {
        reads++;
        const stream = await disk.read(k, r);
        await held;
        return stream;
      },
    };
    const cache = withSmallBlobCache(slow, { recheckMs: Number.POSITIVE_INFINITY });
    await cache.putBuffer('c/ch_8/portrait.webp', portrait, 'image/webp');
    const racing = cache.load('c/ch_8/portrait.webp');
    await new Promise((r) => setTimeout(r, 20));
    await disk.deletePrefix('c/ch_8/');
    cache.forget('c/ch_8/');
    release();
    expect((await racing)?.size).toBe(portrait.length);
    expect(await cache.load('c/ch_8/portrait.webp')).toBeNull();
    expect(reads).toBe(1);
  });

  it('does not keep what a load read while a delete ran', async () => {
    const { disk } = await countedDisk();
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const slow: BlobStore = {
      ...disk,
      read: async (k, r) => {
        const stream = await disk.read(k, r); // the old bytes are open already
        await held;
        return stream;
      },
    };
    const cache = withSmallBlobCache(slow);
    await cache.putBuffer('c/ch_4/portrait.webp', portrait, 'image/webp');
    const racing = cache.load('c/ch_4/portrait.webp');
    await new Promise((r) => setTimeout(r, 20));
    await cache.deletePrefix('c/ch_4/');
    release();
    expect((await racing)?.size).toBe(portrait.length);
    expect(await cache.load('c/ch_4/portrait.webp')).toBeNull();
  });

  it('keeps at most maxBytes, dropping the least recently served', async () => {
    const { store, counts } = await countedDisk();
    const cache = withSmallBlobCache(store, { maxBytes: 2 * portrait.length });
    for (const k of ['a', 'b', 'c']) await cache.putBuffer(`c/${k}.webp`, portrait, 'image/webp');
    await cache.load('c/a.webp');
    await cache.load('c/b.webp');
    await cache.load('c/a.webp'); // a is now the most recent
    await cache.load('c/c.webp'); // b goes
    counts.read = 0;
    await cache.load('c/a.webp');
    await cache.load('c/c.webp');
    expect(counts.read).toBe(0);
    await cache.load('c/b.webp');
    expect(counts.read).toBe(1);
  });
});

describe('sendBlob from memory', () => {
  it('answers whole, ranged and unsatisfiable requests with the same bytes a stream would', async () => {
    const { store } = await countedDisk();
    const cache = withSmallBlobCache(store);
    await cache.putBuffer('c/p.webp', portrait, 'image/webp');
    const app = Fastify();
    app.get('/cached', (req, reply) => sendBlob(req, reply, cache, 'c/p.webp'));
    app.get('/streamed', (req, reply) => sendBlob(req, reply, store, 'c/p.webp'));
    try {
      for (const range of [undefined, 'bytes=0-99', 'bytes=-10', 'bytes=2990-', 'bytes=5000-']) {
        const headers = range ? { range } : {};
        const [mem, disk] = await Promise.all([app.inject({ url: '/cached', headers }), app.inject({ url: '/streamed', headers })]);
        expect(mem.statusCode, range).toBe(disk.statusCode);
        expect(mem.headers['content-range'], range).toBe(disk.headers['content-range']);
        expect(mem.headers['content-length'], range).toBe(disk.headers['content-length']);
        expect(mem.headers['content-type']).toBe(disk.headers['content-type']);
        expect(mem.rawPayload.equals(disk.rawPayload), range).toBe(true);
      }
      const ranged = await app.inject({ url: '/cached', headers: { range: 'bytes=0-99' } });
      expect(ranged.statusCode).toBe(206);
      expect(ranged.rawPayload.equals(portrait.subarray(0, 100))).toBe(true);
    } finally {
      await app.close();
    }
  });
});

import { mkdir, mkdtemp, readdir, readFile, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDiskBlobStore } from '../../src/blobs/disk/disk-blob-store.js';
import { describeBlobStoreContract, readAll } from './blob-store-contract.js';

const roots: string[] = [];
const newRoot = async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'disk-blob-store-'));
  roots.push(dir);
  return dir;
};
afterAll(async () => {
  await Promise.all(roots.map((d) => rm(d, { recursive: true, force: true })));
});

describeBlobStoreContract('disk', async () => createDiskBlobStore(await newRoot()));

describe('disk blob store specifics', () => {
  it('leaves no temp files behind, after good and failed writes', async () => {
    const root = await newRoot();
    const store = createDiskBlobStore(root);
    await store.putBuffer('a/one.txt', Buffer.from('1'), 'text/plain');
    const src = path.join(root, '..', `${path.basename(root)}-src.bin`);
    await writeFile(src, Buffer.alloc(100_000, 1));
    await store.putFile('a/two.bin', src, 'application/octet-stream');
    await unlink(src);
    await expect(store.putFile('a/three.bin', src, 'application/octet-stream')).rejects.toThrow();
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.putBuffer('a/same.txt', Buffer.from(String(i)), 'text/plain')));
    await store.ping();
    expect(await readdir(path.join(root, 'tmp'))).toEqual([]);
    expect((await readdir(path.join(root, 'blobs', 'a'))).sort()).toEqual(['one.txt', 'same.txt', 'two.bin']);
  });

  it('keeps blobs at the path of their key, and their types across restarts', async () => {
    const root = await newRoot();
    await createDiskBlobStore(root).putBuffer('characters/ch_1/portrait.webp', Buffer.from('img'), 'image/webp');
    expect(await readFile(path.join(root, 'blobs', 'characters', 'ch_1', 'portrait.webp'), 'utf8')).toBe('img');
    const reopened = createDiskBlobStore(root);
    expect(await reopened.stat('characters/ch_1/portrait.webp')).toEqual({ size: 3, contentType: 'image/webp' });
  });

  it('falls back to the extension when a blob has no recorded type', async () => {
    const root = await newRoot();
    await mkdir(path.join(root, 'blobs', 'hand'), { recursive: true });
    await writeFile(path.join(root, 'blobs', 'hand', 'copied.mp4'), 'v');
    await writeFile(path.join(root, 'blobs', 'hand', 'copied.unknown'), 'v');
    const store = createDiskBlobStore(root);
    expect(await store.stat('hand/copied.mp4')).toEqual({ size: 1, contentType: 'video/mp4' });
    expect(await store.stat('hand/copied.unknown')).toEqual({ size: 1, contentType: 'application/octet-stream' });
  });

  it('a key that looks like a sidecar does not collide with one', async () => {
    const store = createDiskBlobStore(await newRoot());
    await store.putBuffer('x/a', Buffer.from('blob a'), 'text/plain');
    await store.putBuffer('x/a.json', Buffer.from('{"blob":"a.json"}'), 'application/json');
    expect(await store.stat('x/a')).toEqual({ size: 6, contentType: 'text/plain' });
    expect((await readAll(await store.read('x/a.json'))).toString()).toBe('{"blob":"a.json"}');
    await store.deletePrefix('x/a.');
    expect(await store.stat('x/a.json')).toBeNull();
    expect(await store.stat('x/a')).toEqual({ size: 6, contentType: 'text/plain' });
  });

  it('deletePrefix of a folder removes its sidecars too', async () => {
    const root = await newRoot();
    const store = createDiskBlobStore(root);
    await store.putBuffer('characters/ch_1/portrait.webp', Buffer.from('i'), 'image/webp');
    await store.deletePrefix('characters/ch_1/');
    expect(await readdir(path.join(root, 'blobs', 'characters'))).toEqual([]);
    expect(await readdir(path.join(root, 'meta', 'characters'))).toEqual([]);
  });

  it('sweeps stale temp files of crashed writers, keeps fresh ones', async () => {
    const root = await newRoot();
    await mkdir(path.join(root, 'tmp'), { recursive: true });
    const stale = path.join(root, 'tmp', 'crashed.tmp');
    const fresh = path.join(root, 'tmp', 'in-progress.tmp');
    await writeFile(stale, 'half');
    await writeFile(fresh, 'half');
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    await utimes(stale, twoHoursAgo, twoHoursAgo);
    await createDiskBlobStore(root).ping();
    expect(await readdir(path.join(root, 'tmp'))).toEqual(['in-progress.tmp']);
  });

  it('ping fails when the root cannot be a folder', async () => {
    const root = await newRoot();
    const file = path.join(root, 'a-file');
    await writeFile(file, 'x');
    await expect(createDiskBlobStore(file).ping()).rejects.toThrow();
  });

  it('an open read keeps its bytes when the blob is deleted meanwhile', async () => {
    const store = createDiskBlobStore(await newRoot());
    const data = Buffer.alloc(2 * 1024 * 1024, 'q');
    await store.putBuffer('d/blob.bin', data, 'application/octet-stream');
    const stream = await store.read('d/blob.bin');
    await store.deletePrefix('d/');
    expect((await readAll(stream)).equals(data)).toBe(true);
  });
});

import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/blobs/ports.js';

/**
 * What every BlobStore must do, whatever keeps the bytes. Run it against each implementation:
 * `describeBlobStoreContract('disk', async () => createDiskBlobStore(dir))`. `make` is called
 * before every test and must give an empty store (or one with a fresh namespace).
 */
export function describeBlobStoreContract(name: string, make: () => Promise<BlobStore> | BlobStore): void {
  describe(`BlobStore contract: ${name}`, () => {
    let store: BlobStore;
    const scratch: string[] = [];

    beforeEach(async () => {
      store = await make();
    });
    afterAll(async () => {
      await Promise.all(scratch.map((d) => rm(d, { recursive: true, force: true })));
    });

    const localFile = async (content: Buffer) => {
      const dir = await mkdtemp(path.join(tmpdir(), 'blob-contract-src-'));
      scratch.push(dir);
      const file = path.join(dir, 'source.bin');
      await writeFile(file, content);
      return file;
    };

    it('putBuffer, then stat and read give back the bytes and the type', async () => {
      const data = Buffer.from('hello portrait');
      await store.putBuffer('characters/ch_1/portrait.webp', data, 'image/webp');
      expect(await store.stat('characters/ch_1/portrait.webp')).toEqual({ size: data.length, contentType: 'image/webp' });
      expect(await readAll(await store.read('characters/ch_1/portrait.webp'))).toEqual(data);
    });

    it('keeps the content type it was given, whatever the extension says', async () => {
      await store.putBuffer('misc/odd.bin', Buffer.from('{}'), 'application/json');
      expect((await store.stat('misc/odd.bin'))?.contentType).toBe('application/json');
    });

    it('putFile stores a local file and leaves the source in place', async () => {
      const data = Buffer.alloc(300_000, 7);
      const src = await localFile(data);
      await store.putFile('characters/ch_1/clip.mp4', src, 'video/mp4');
      expect(await store.stat('characters/ch_1/clip.mp4')).toEqual({ size: data.length, contentType: 'video/mp4' });
      expect((await readAll(await store.read('characters/ch_1/clip.mp4'))).equals(data)).toBe(true);
      await expect(access(src)).resolves.toBeUndefined();
    });

    it('putFile of a missing local file fails and stores nothing', async () => {
      await expect(store.putFile('a/b.mp4', path.join(tmpdir(), 'no-such-file-blob-contract'), 'video/mp4')).rejects.toThrow();
      expect(await store.stat('a/b.mp4')).toBeNull();
    });

    it('stores an empty blob', async () => {
      await store.putBuffer('empty.txt', Buffer.alloc(0), 'text/plain');
      expect(await store.stat('empty.txt')).toEqual({ size: 0, contentType: 'text/plain' });
      expect((await readAll(await store.read('empty.txt'))).length).toBe(0);
    });

    it('an overwrite replaces the bytes and the type', async () => {
      await store.putBuffer('k/v', Buffer.from('first version'), 'text/plain');
      await store.putBuffer('k/v', Buffer.from('2nd'), 'application/octet-stream');
      expect(await store.stat('k/v')).toEqual({ size: 3, contentType: 'application/octet-stream' });
      expect((await readAll(await store.read('k/v'))).toString()).toBe('2nd');
    });

    it('stat of a missing key is null; read of a missing key is not_found', async () => {
      expect(await store.stat('nothing/here.webp')).toBeNull();
      await expect(store.read('nothing/here.webp')).rejects.toMatchObject({ code: 'not_found' });
      await store.putBuffer('folder/inside.txt', Buffer.from('x'), 'text/plain');
      // A "folder" is not a blob.
      expect(await store.stat('folder')).toBeNull();
      await expect(store.read('folder')).rejects.toMatchObject({ code: 'not_found' });
    });

    it('reads inclusive byte ranges', async () => {
      const data = Buffer.from('0123456789abcdef');
      await store.putBuffer('r/data.bin', data, 'application/octet-stream');
      const range = async (start: number, end: number) => (await readAll(await store.read('r/data.bin', { start, end }))).toString();
      expect(await range(0, 0)).toBe('0');
      expect(await range(2, 5)).toBe('2345');
      expect(await range(10, 15)).toBe('abcdef');
      expect(await range(0, 15)).toBe(data.toString());
      expect(await range(15, 15)).toBe('f');
    });

    it('reads a range of a large blob exactly', async () => {
      const data = Buffer.alloc(1_000_000);
      for (let i = 0; i < data.length; i++) data[i] = (i * 31) & 0xff;
      await store.putBuffer('r/large.bin', data, 'application/octet-stream');
      const got = await readAll(await store.read('r/large.bin', { start: 123_456, end: 876_543 }));
      expect(got.equals(data.subarray(123_456, 876_544))).toBe(true);
    });

    it('deletePrefix with a folder removes that folder only', async () => {
      for (const key of ['characters/ch_a/portrait.webp', 'characters/ch_a/clip.mp4', 'characters/ch_ab/portrait.webp', 'characters/ch_b/clip.mp4']) {
        await store.putBuffer(key, Buffer.from(key), 'application/octet-stream');
      }
      await store.deletePrefix('characters/ch_a/');
      expect(await store.stat('characters/ch_a/portrait.webp')).toBeNull();
      expect(await store.stat('characters/ch_a/clip.mp4')).toBeNull();
      expect(await store.stat('characters/ch_ab/portrait.webp')).not.toBeNull();
      expect(await store.stat('characters/ch_b/clip.mp4')).not.toBeNull();
      // The folder can be written again afterwards.
      await store.putBuffer('characters/ch_a/portrait.webp', Buffer.from('again'), 'image/webp');
      expect((await store.stat('characters/ch_a/portrait.webp'))?.size).toBe(5);
    });

    it('deletePrefix is a string prefix: without a slash it also takes longer names', async () => {
      for (const key of ['p/ch_a/x', 'p/ch_ab/y', 'p/ch_a.txt', 'p/ch_b/z', 'q/ch_a/x']) {
        await store.putBuffer(key, Buffer.from(key), 'text/plain');
      }
      await store.deletePrefix('p/ch_a');
      for (const gone of ['p/ch_a/x', 'p/ch_ab/y', 'p/ch_a.txt']) expect(await store.stat(gone)).toBeNull();
      for (const kept of ['p/ch_b/z', 'q/ch_a/x']) expect(await store.stat(kept)).not.toBeNull();
    });

    it('deletePrefix of nothing is fine', async () => {
      await expect(store.deletePrefix('never/written/')).resolves.toBeUndefined();
      await expect(store.deletePrefix('never')).resolves.toBeUndefined();
    });

    it('refuses bad keys on every call', async () => {
      const bad = [
        '',
        '../x',
        'a/../../etc/passwd',
        '..',
        '/abs/path',
        'a//b',
        'a/./b',
        './a',
        'a/',
        'a b',
        'a\\b',
        'ü.webp',
        'a?b',
        'a%2fb',
        'a\0b',
        'x'.repeat(1025),
      ];
      const src = await localFile(Buffer.from('x'));
      for (const key of bad) {
        await expect(store.putBuffer(key, Buffer.from('x'), 'text/plain'), key).rejects.toThrow(/invalid blob key/);
        await expect(store.putFile(key, src, 'text/plain'), key).rejects.toThrow(/invalid blob key/);
        await expect(store.stat(key), key).rejects.toThrow(/invalid blob key/);
        await expect(store.read(key), key).rejects.toThrow(/invalid blob key/);
      }
      for (const prefix of ['', '/', '../', 'a/../', '/abs/', 'a//']) {
        await expect(store.deletePrefix(prefix), prefix).rejects.toThrow(/invalid blob prefix/);
      }
    });

    it('ping answers when the store is usable', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('a reader during an overwrite sees the old blob or the new one, never a mix', async () => {
      const size = 4 * 1024 * 1024;
      const key = 'atomic/blob.bin';
      await store.putBuffer(key, Buffer.alloc(size, 'a'), 'application/octet-stream');
      for (let round = 0; round < 4; round++) {
        const fill = round % 2 === 0 ? 'b' : 'a';
        const writing = store.putBuffer(key, Buffer.alloc(size, fill), 'application/octet-stream');
        const reads: Promise<Buffer>[] = [];
        for (let i = 0; i < 6; i++) {
          reads.push(store.read(key).then(readAll));
          await new Promise((r) => setImmediate(r));
        }
        await writing;
        for (const got of await Promise.all(reads)) {
          expect(got.length).toBe(size);
          expect(isUniform(got)).toBe(true);
        }
      }
    });

    it('a reader during the first write sees nothing or the whole blob', async () => {
      const size = 4 * 1024 * 1024;
      const key = 'atomic/new.bin';
      const writing = store.putBuffer(key, Buffer.alloc(size, 'z'), 'application/octet-stream');
      const seen: (number | null)[] = [];
      for (let i = 0; i < 8; i++) {
        const st = await store.stat(key);
        seen.push(st?.size ?? null);
        if (st) {
          const got = await readAll(await store.read(key));
          expect(got.length).toBe(size);
        }
        await new Promise((r) => setImmediate(r));
      }
      await writing;
      for (const s of seen) expect(s === null || s === size).toBe(true);
      expect((await store.stat(key))?.size).toBe(size);
    });
  });
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

function isUniform(buf: Buffer): boolean {
  // One native comparison: a callback per byte of 4 MiB reads costs seconds.
  return buf.equals(Buffer.alloc(buf.length, buf[0]));
}

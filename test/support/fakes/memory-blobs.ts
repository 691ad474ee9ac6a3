/**
 * The BlobStore port in memory, for the unit tier; test/blobs/blob-store-contract.ts checks it as
 * it checks the disk store. Keys are validated by the same src/blob-keys.ts; a blob is replaced
 * whole by each put, so a read sees the old bytes or the new ones, and an open read keeps its own.
 */
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { assertValidBlobKey, assertValidBlobPrefix } from '../../../src/blob-keys.js';
import type { BlobStore } from '../../../src/blobs/ports.js';
import { AppError } from '../../../src/errors.js';

interface StoredBlob {
  bytes: Buffer;
  contentType: string;
}

export interface MemoryBlobStore extends BlobStore {
  /** The keys held now, sorted: for tests that check what was written or removed. */
  keys(): string[];
}

export function createMemoryBlobStore(): MemoryBlobStore {
  const blobs = new Map<string, StoredBlob>();
  // A copy, so the caller may reuse its buffer.
  const put = (key: string, data: Buffer, contentType: string) => void blobs.set(key, { bytes: Buffer.from(data), contentType });

  return {
    async putBuffer(key, data, contentType) {
      assertValidBlobKey(key);
      put(key, data, contentType);
    },

    async putFile(key, localPath, contentType) {
      assertValidBlobKey(key);
      put(key, await readFile(localPath), contentType);
    },

    async stat(key) {
      assertValidBlobKey(key);
      const blob = blobs.get(key);
      return blob ? { size: blob.bytes.length, contentType: blob.contentType } : null;
    },

    async read(key, range) {
      assertValidBlobKey(key);
      if (range && !(Number.isSafeInteger(range.start) && Number.isSafeInteger(range.end) && range.start >= 0 && range.end >= range.start)) {
        throw new RangeError(`invalid byte range ${JSON.stringify(range)}`);
      }
      const blob = blobs.get(key);
      if (!blob) throw new AppError('not_found', `no blob at ${key}`);
      return Readable.from([range ? blob.bytes.subarray(range.start, range.end + 1) : blob.bytes]);
    },

    async deletePrefix(prefix) {
      assertValidBlobPrefix(prefix);
      for (const key of [...blobs.keys()]) if (key.startsWith(prefix)) blobs.delete(key);
    },

    async ping() {},

    keys: () => [...blobs.keys()].sort(),
  };
}

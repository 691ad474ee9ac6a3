import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3BlobStore, type S3BlobStoreOptions } from '../../src/blobs/s3/s3-blob-store.js';
import { createS3Client } from '../../src/blobs/s3/s3-client.js';
import { uploadFileInParts } from '../../src/blobs/s3/upload-file-in-parts.js';
import { type S3rverHandle, startS3rver } from '../support/s3rver.js';
import { describeBlobStoreContract, readAll } from './blob-store-contract.js';

let s3: S3rverHandle;
let bucket: string;
let scratch: string;
const opened: { close(): void }[] = [];

beforeAll(async () => {
  s3 = await startS3rver();
  bucket = await s3.newBucket();
  scratch = await mkdtemp(path.join(tmpdir(), 's3-blob-store-'));
});
afterAll(async () => {
  for (const store of opened) store.close();
  await s3?.close();
  await rm(scratch, { recursive: true, force: true });
});

let namespaces = 0;
const storeOn = (overrides: Partial<S3BlobStoreOptions> = {}) => {
  const store = createS3BlobStore({
    bucket,
    prefix: `run-${++namespaces}/`,
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    ...overrides,
  });
  opened.push(store);
  return store;
};

// Each test gets its own prefix in the file's bucket: the contract's "empty store".
describeBlobStoreContract('s3 (s3rver)', () => storeOn());

/** The requests s3rver receives while `run` runs. */
async function requestsDuring(run: () => Promise<unknown>): Promise<string[]> {
  await s3.settled();
  const from = s3.requests.length;
  await run();
  await s3.settled();
  return s3.requests.slice(from);
}

const MiB = 1024 * 1024;

describe('S3 blob store specifics', () => {
  it('keeps every key under the STORAGE_URL prefix', async () => {
    const store = storeOn({ prefix: 'tenant-a/media/' });
    await store.putBuffer('characters/ch_1/portrait.webp', Buffer.from('img'), 'image/webp');
    const whole = storeOn({ prefix: '' });
    expect(await whole.stat('tenant-a/media/characters/ch_1/portrait.webp')).toEqual({ size: 3, contentType: 'image/webp' });
    expect(await whole.stat('characters/ch_1/portrait.webp')).toBeNull();
    await store.deletePrefix('characters/');
    expect(await whole.stat('tenant-a/media/characters/ch_1/portrait.webp')).toBeNull();
  });

  it('puts a small file in one PutObject and a large one in parts, the same bytes either way', async () => {
    const store = storeOn({ multipartThresholdBytes: 6 * MiB, parts: { partBytes: 5 * MiB, concurrency: 2 } });
    const small = Buffer.alloc(5 * MiB + 3, 's');
    const large = Buffer.alloc(12 * MiB + 17);
    for (let i = 0; i < large.length; i += 4096) large[i] = (i / 4096) & 0xff;
    const smallFile = path.join(scratch, 'small.bin');
    const largeFile = path.join(scratch, 'large.mp4');
    await writeFile(smallFile, small);
    await writeFile(largeFile, large);

    const smallRequests = await requestsDuring(() => store.putFile('v/small.bin', smallFile, 'application/octet-stream'));
    expect(smallRequests.map(methodAndKind)).toEqual(['PUT object']);

    const largeRequests = await requestsDuring(() => store.putFile('v/large.mp4', largeFile, 'video/mp4'));
    expect(largeRequests.map(methodAndKind).sort()).toEqual(['POST complete', 'POST create-multipart', 'PUT part', 'PUT part', 'PUT part']);
    expect(await store.stat('v/large.mp4')).toEqual({ size: large.length, contentType: 'video/mp4' });
    expect((await readAll(await store.read('v/large.mp4'))).equals(large)).toBe(true);
    const range = await readAll(await store.read('v/large.mp4', { start: 5 * MiB - 10, end: 10 * MiB + 10 }));
    expect(range.equals(large.subarray(5 * MiB - 10, 10 * MiB + 11))).toBe(true);
  });

  it('a multipart upload that fails midway is aborted and leaves no object', async () => {
    const client = createS3Client({
      bucket,
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
    });
    // The second part fails before it leaves (as a network error would, after the SDK's retries).
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { PartNumber?: number };
        if (context.commandName === 'UploadPartCommand' && input.PartNumber === 2) throw new Error('part 2 lost');
        return next(args);
      },
      { step: 'initialize' },
    );
    const file = path.join(scratch, 'parts.bin');
    await writeFile(file, Buffer.alloc(11 * MiB, 1));
    const requests = await requestsDuring(async () => {
      await expect(
        uploadFileInParts(client, { bucket, key: 'v/broken.bin', contentType: 'application/octet-stream' }, file, 11 * MiB, {
          partBytes: 5 * MiB,
          concurrency: 2,
        }),
      ).rejects.toThrow('part 2 lost');
    });
    client.destroy();
    // Part 1 went up; part 2 failed; part 3 was never started; then the upload was aborted.
    expect(requests.map(methodAndKind)).toEqual(['POST create-multipart', 'PUT part', 'DELETE abort']);
    expect(await storeOn({ prefix: '' }).stat('v/broken.bin')).toBeNull();
  });

  it('deletePrefix goes through every page of the listing', async () => {
    const store = storeOn({ listPageSize: 2 });
    const keys = ['d/ch_1/a', 'd/ch_1/b', 'd/ch_1/c', 'd/ch_1/d', 'd/ch_1/e', 'd/ch_12/kept', 'd/ch_2/kept'];
    for (const key of keys) await store.putBuffer(key, Buffer.from(key), 'text/plain');
    const requests = await requestsDuring(() => store.deletePrefix('d/ch_1/'));
    expect(requests.filter((r) => r.startsWith('GET') && r.includes('list-type=2')).length).toBeGreaterThanOrEqual(3);
    expect(requests.filter((r) => r.startsWith('POST') && r.includes('delete')).length).toBe(3);
    for (const key of keys.slice(0, 5)) expect(await store.stat(key)).toBeNull();
    for (const key of keys.slice(5)) expect(await store.stat(key)).not.toBeNull();
  });

  it('ping fails for a bucket that does not exist', async () => {
    await expect(storeOn({ bucket: 'sc-test-no-such-bucket' }).ping()).rejects.toThrow();
  });

  it('stat and read of a missing key in a missing bucket do not pass for "no blob"', async () => {
    const store = storeOn({ bucket: 'sc-test-no-such-bucket' });
    await expect(store.read('a/b.webp')).rejects.toMatchObject({ name: 'NoSuchBucket' });
  });
});

/** "PUT object", "PUT part", "POST create-multipart", "POST complete", "DELETE abort", ... */
function methodAndKind(request: string): string {
  const [method, url] = request.split(' ') as [string, string];
  const q = new URL(url, 'http://x').searchParams;
  if (method === 'POST' && q.has('uploads')) return 'POST create-multipart';
  if (method === 'POST' && q.has('uploadId')) return 'POST complete';
  if (method === 'PUT' && q.has('partNumber')) return 'PUT part';
  if (method === 'DELETE' && q.has('uploadId')) return 'DELETE abort';
  if (method === 'PUT') return 'PUT object';
  return `${method} ${q.toString()}`;
}

import { readFile, stat as statFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { DeleteObjectsCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { assertValidBlobKey, assertValidBlobPrefix } from '../../blob-keys.js';
import { AppError } from '../../errors.js';
import { contentTypeForKey } from '../content-type-by-extension.js';
import type { BlobStore } from '../ports.js';
import type { S3Credentials } from './presign-get-url.js';
import type { S3Address } from './s3-address.js';
import { createS3Client } from './s3-client.js';
import { type PartPlan, uploadFileInParts } from './upload-file-in-parts.js';

export interface S3BlobStoreOptions extends S3Address, S3Credentials {
  /** '' or a folder ending in '/': every blob key is stored under it. */
  prefix: string;
  /** Files at least this large are put in parts (default 16 MiB); smaller ones in one PutObject. */
  multipartThresholdBytes?: number;
  parts?: Partial<PartPlan>;
  /** Keys per ListObjectsV2 page in deletePrefix (S3's maximum, 1000, by default). */
  listPageSize?: number;
  /** How long ping waits for the bucket to answer. */
  pingTimeoutMs?: number;
}

const MiB = 1024 * 1024;

/**
 * The BlobStore on an S3-compatible bucket (AWS S3, MinIO, R2, s3rver, ...), through
 * @aws-sdk/client-s3. Every write is atomic from a reader's view, as S3 makes a PutObject or a
 * completed multipart upload visible whole; the content type is the object's Content-Type.
 */
export function createS3BlobStore(opts: S3BlobStoreOptions): BlobStore & { close(): void } {
  const client = createS3Client(opts);
  const Bucket = opts.bucket;
  const threshold = opts.multipartThresholdBytes ?? 16 * MiB;
  const plan: PartPlan = { partBytes: opts.parts?.partBytes ?? 8 * MiB, concurrency: opts.parts?.concurrency ?? 4 };
  if (plan.partBytes < 5 * MiB) throw new RangeError('S3 parts are at least 5 MiB');
  const pageSize = opts.listPageSize ?? 1000;
  const objectKey = (key: string) => `${opts.prefix}${key}`;

  return {
    async putBuffer(key, data, contentType) {
      assertValidBlobKey(key);
      await client.send(new PutObjectCommand({ Bucket, Key: objectKey(key), Body: data, ContentType: contentType, ContentLength: data.length }));
    },

    async putFile(key, localPath, contentType) {
      assertValidBlobKey(key);
      const { size } = await statFile(localPath);
      if (size < threshold) {
        // In memory, so a retried PutObject can send the body again.
        const data = await readFile(localPath);
        await client.send(new PutObjectCommand({ Bucket, Key: objectKey(key), Body: data, ContentType: contentType, ContentLength: data.length }));
        return;
      }
      await uploadFileInParts(client, { bucket: Bucket, key: objectKey(key), contentType }, localPath, size, plan);
    },

    async stat(key) {
      assertValidBlobKey(key);
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket, Key: objectKey(key) }));
        return { size: head.ContentLength ?? 0, contentType: head.ContentType || contentTypeForKey(key) };
      } catch (err) {
        if (isNotFound(err)) return null;
        throw err;
      }
    },

    async read(key, range) {
      assertValidBlobKey(key);
      if (range && !(Number.isSafeInteger(range.start) && Number.isSafeInteger(range.end) && range.start >= 0 && range.end >= range.start)) {
        throw new RangeError(`invalid byte range ${JSON.stringify(range)}`);
      }
      try {
        const got = await client.send(new GetObjectCommand({ Bucket, Key: objectKey(key), ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }));
        const body = (got.Body as Readable | undefined) ?? Readable.from([]);
        return range ? exactRange(body, got.ContentRange, range) : body;
      } catch (err) {
        if (isNotFound(err)) throw new AppError('not_found', `no blob at ${key}`);
        // A range that starts past the end reads nothing, as from a file.
        if (statusOf(err) === 416) return Readable.from([]);
        throw err;
      }
    },

    async deletePrefix(prefix) {
      assertValidBlobPrefix(prefix);
      // Deleting a page before asking for the next is safe: the continuation token is a position
      // in key order, not an offset.
      let ContinuationToken: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix: objectKey(prefix), MaxKeys: pageSize, ContinuationToken }));
        const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
        if (keys.length > 0) {
          const done = await client.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: keys, Quiet: true } }));
          const failed = done.Errors ?? [];
          if (failed.length > 0) throw new Error(`S3 refused to delete ${failed.length} object(s), e.g. ${failed[0]?.Key}: ${failed[0]?.Code}`);
        }
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
    },

    async ping() {
      await client.send(new HeadBucketCommand({ Bucket }), { abortSignal: AbortSignal.timeout(opts.pingTimeoutMs ?? 5_000) });
    },

    close() {
      client.destroy();
    },
  };
}

const statusOf = (err: unknown): number | undefined => (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;

const isNotFound = (err: unknown) => {
  const name = (err as { name?: string } | null)?.name;
  return name === 'NotFound' || name === 'NoSuchKey' || (statusOf(err) === 404 && name !== 'NoSuchBucket');
};

/**
 * The asked bytes of a ranged GET's body. A store may answer more than was asked (s3rver 3.7.1
 * answers the whole object to `bytes=0-0`, its end being 0); the Content-Range it sends says
 * where the body starts, and the surplus is cut here.
 */
function exactRange(body: Readable, contentRange: string | undefined, range: { start: number; end: number }): Readable {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(contentRange ?? '');
  const first = m ? Number(m[1]) : 0; // no Content-Range: a 200 with the whole object
  const last = m ? Number(m[2]) : Number.POSITIVE_INFINITY;
  const wantedLast = m && m[3] !== '*' ? Math.min(range.end, Number(m[3]) - 1) : range.end;
  if (first === range.start && last === wantedLast) return body;
  if (first > range.start || last < wantedLast) {
    body.destroy();
    throw new Error(`S3 answered bytes ${first}-${last} to a request for ${range.start}-${range.end}`);
  }
  let skip = range.start - first;
  let left = wantedLast - range.start + 1;
  return Readable.from(
    (async function* () {
      try {
        for await (const chunk of body as AsyncIterable<Buffer>) {
          let part = chunk;
          if (skip > 0) {
            const dropped = Math.min(skip, part.length);
            part = part.subarray(dropped);
            skip -= dropped;
          }
          if (part.length === 0) continue;
          if (part.length >= left) {
            yield part.subarray(0, left);
            return;
          }
          left -= part.length;
          yield part;
        }
      } finally {
        body.destroy();
      }
    })(),
  );
}

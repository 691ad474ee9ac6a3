/**
 * s3rver as its own process on loopback (spawned by test/support/s3rver.ts; plain Node strips
 * the types). Arguments: <directory> [port]. Exits when its stdin closes. Prints `{"port": N}` once listening, then one line
 * `> METHOD URL` per request as it arrives, written before s3rver answers it.
 *
 * Run with --openssl-legacy-provider: s3rver 3.7.1 makes ListObjectsV2 continuation tokens with
 * DES (lib/controllers/bucket.js generateContinuationToken), which OpenSSL 3 (Node >= 17) only
 * has in its legacy provider; without it every truncated listing answers InternalError.
 *
 * s3rver 3.7.1 also writes an object in place (lib/stores/filesystem.js putObject truncates the
 * object file and streams into it, and answers before the file is flushed), so a concurrent GET
 * can see half an object. S3 makes a PUT or a completed multipart upload visible whole, and the
 * stores under test rely on that: putObject is replaced with one that writes a temp file and
 * renames it over the object (same folder, so atomic), as S3 behaves.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, writeSync } from 'node:fs';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import S3rver from 's3rver';

interface FilesystemStore {
  getResourcePath(bucket: string, key: string, resource: string): string;
  putMetadata(bucket: string, key: string, metadata: unknown, md5: string): Promise<void>;
  putObject(object: StoredObject): Promise<{ size: number; md5: string }>;
}

interface StoredObject {
  bucket: string;
  key: string;
  content: Buffer | Readable;
  metadata: unknown;
}

const [directory, port] = process.argv.slice(2);
if (!directory) throw new Error('usage: s3rver-main.ts <directory> [port]');

const server = new S3rver({ port: Number(port ?? 0), address: '127.0.0.1', silent: true, directory });
const store = server.store as FilesystemStore;
store.putObject = async function putObject(this: FilesystemStore, object: StoredObject) {
  const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
  await mkdir(path.dirname(objectPath), { recursive: true });
  const tmp = `${objectPath}.writing-${randomUUID()}`;
  const md5 = createHash('md5');
  let size = 0;
  try {
    if (Buffer.isBuffer(object.content)) {
      md5.update(object.content);
      size = object.content.length;
      await writeFile(tmp, object.content);
    } else {
      await pipeline(
        object.content,
        async function* (chunks: AsyncIterable<Buffer | string>) {
          for await (const text of chunks) {
            const chunk = typeof text === 'string' ? Buffer.from(text) : text;
            md5.update(chunk);
            size += chunk.length;
            yield chunk;
          }
        },
        createWriteStream(tmp),
      );
    }
    const digest = md5.digest('hex');
    // Type and md5 first, then the bytes: a reader that sees the new bytes sees their type.
    await this.putMetadata(object.bucket, object.key, object.metadata, digest);
    await rename(tmp, objectPath);
    return { size, md5: digest };
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
};

const address = await server.run();
server.httpServer?.on('request', (req) => writeSync(1, `> ${req.method} ${req.url}\n`));
writeSync(1, `${JSON.stringify({ port: address.port })}\n`);
process.on('SIGTERM', () => process.exit(0));
// The test process holds our stdin: when it goes, however it dies, so do we.
process.stdin.on('close', () => process.exit(0)).resume();

import { randomUUID } from 'node:crypto';
import { type Dirent, constants as fsConstants } from 'node:fs';
import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { assertValidBlobKey, assertValidBlobPrefix } from '../../blob-keys.js';
import { AppError } from '../../errors.js';
import { contentTypeForKey } from '../content-type-by-extension.js';
import type { BlobStore } from '../ports.js';

/**
 * The default BlobStore: a folder. Layout under `rootDir`:
 *   blobs/<key>           the bytes, at the path the key names
 *   meta/<key>.json       {"contentType": "..."}: the type given to put, as S3 would keep it
 *   tmp/                  writes in progress (same filesystem, so the final rename is atomic)
 *
 * The content type lives in a separate `meta` tree rather than next to the blob, so no key can
 * ever collide with a sidecar and `blobs/` holds only what was put; when a sidecar is missing
 * (files copied in by hand) the type falls back to the key's extension.
 *
 * Writes go to `tmp/`, are fsynced, then renamed into place: a reader sees the old blob or the
 * new one, never half of one (an open read keeps the inode it opened). The sidecar is renamed
 * before the blob, so once a blob is visible its type is known.
 */
const SMALL_BLOB_BYTES = 256 * 1024;

export function createDiskBlobStore(rootDir: string): BlobStore {
  const root = path.resolve(rootDir);
  const blobsDir = path.join(root, 'blobs');
  const metaDir = path.join(root, 'meta');
  const tmpDir = path.join(root, 'tmp');

  const blobPath = (key: string) => path.join(blobsDir, ...key.split('/'));
  const metaPath = (key: string) => `${path.join(metaDir, ...key.split('/'))}.json`;

  let ready: Promise<void> | undefined;
  const ensureReady = () =>
    (ready ??= (async () => {
      await Promise.all([blobsDir, metaDir, tmpDir].map((d) => mkdir(d, { recursive: true })));
      await sweepStaleTemps(tmpDir);
    })().catch((err) => {
      ready = undefined; // let a later call try again (e.g. the disk was full)
      throw err;
    }));

  // Content types by key, so that serving a file reads no sidecar after the first time.
  const types = new Map<string, string>();
  const remember = (key: string, type: string) => {
    if (types.size >= 50_000) types.clear();
    types.set(key, type);
  };

  /** Moves finished temp files into place: sidecar first, then the blob. */
  async function publish(key: string, tmpBlob: string, contentType: string): Promise<void> {
    const tmpMeta = `${tmpBlob}.meta`;
    try {
      await writeDurably(tmpMeta, Buffer.from(JSON.stringify({ contentType })));
      await renameIntoPlace(tmpMeta, metaPath(key));
      await renameIntoPlace(tmpBlob, blobPath(key));
      remember(key, contentType);
    } finally {
      await Promise.all([unlink(tmpMeta).catch(() => {}), unlink(tmpBlob).catch(() => {})]);
    }
  }

  return {
    async putBuffer(key, data, contentType) {
      assertValidBlobKey(key);
      await ensureReady();
      const tmp = path.join(tmpDir, `${randomUUID()}.tmp`);
      try {
        await writeDurably(tmp, data);
      } catch (err) {
        await unlink(tmp).catch(() => {});
        throw err;
      }
      await publish(key, tmp, contentType);
    },

    async putFile(key, localPath, contentType) {
      assertValidBlobKey(key);
      await ensureReady();
      // A copy, not a move: the S3 store cannot consume the caller's file either, so callers clean
      // up their own temp files under every store. FICLONE makes it free where reflinks exist.
      const tmp = path.join(tmpDir, `${randomUUID()}.tmp`);
      try {
        await copyFile(localPath, tmp, fsConstants.COPYFILE_FICLONE);
        await fsyncFile(tmp);
      } catch (err) {
        await unlink(tmp).catch(() => {});
        throw err;
      }
      await publish(key, tmp, contentType);
    },

    async stat(key) {
      assertValidBlobKey(key);
      let size: number;
      try {
        const st = await stat(blobPath(key));
        if (!st.isFile()) return null;
        size = st.size;
      } catch (err) {
        if (isMissing(err)) return null;
        throw err;
      }
      let contentType = types.get(key);
      if (!contentType) {
        contentType = (await readContentType(metaPath(key))) ?? contentTypeForKey(key);
        remember(key, contentType);
      }
      return { size, contentType };
    },

    async read(key, range) {
      assertValidBlobKey(key);
      if (range && !(Number.isSafeInteger(range.start) && Number.isSafeInteger(range.end) && range.start >= 0 && range.end >= range.start)) {
        throw new RangeError(`invalid byte range ${JSON.stringify(range)}`);
      }
      let handle: Awaited<ReturnType<typeof open>> | undefined;
      let size: number;
      try {
        handle = await open(blobPath(key), 'r');
        const st = await handle.stat();
        if (!st.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
        size = st.size;
      } catch (err) {
        await handle?.close();
        if (isMissing(err)) throw new AppError('not_found', `no blob at ${key}`);
        throw err;
      }
      if (!range && size <= SMALL_BLOB_BYTES) {
        // Portraits and thumbnails: one read into memory is cheaper than a stream of one chunk.
        try {
          return Readable.from([await handle.readFile()]);
        } finally {
          await handle.close();
        }
      }
      // The stream owns the handle (autoClose): an overwrite during the read does not affect it.
      return handle.createReadStream(range ? { start: range.start, end: range.end } : {}) as Readable;
    },

    async deletePrefix(prefix) {
      assertValidBlobPrefix(prefix);
      for (const key of types.keys()) if (key.startsWith(prefix)) types.delete(key);
      if (prefix.endsWith('/')) {
        const folder = prefix.slice(0, -1);
        await rm(blobPath(folder), { recursive: true, force: true });
        await rm(path.join(metaDir, ...folder.split('/')), { recursive: true, force: true });
        return;
      }
      const slash = prefix.lastIndexOf('/');
      const parent = slash === -1 ? [] : prefix.slice(0, slash).split('/');
      const start = prefix.slice(slash + 1);
      await removeMatching(path.join(blobsDir, ...parent), (name) => name.startsWith(start));
      await removeMatching(path.join(metaDir, ...parent), (name, isDir) => (isDir ? name : name.replace(/\.json$/, '')).startsWith(start));
    },

    async ping() {
      await ensureReady();
      const probe = path.join(tmpDir, `ping-${randomUUID()}.tmp`);
      await writeDurably(probe, Buffer.from('ok'));
      await unlink(probe);
    },
  };
}

const STALE_TEMP_MS = 60 * 60 * 1000;

/** Removes temp files a crashed writer left behind. Only old ones: another process may be writing now. */
async function sweepStaleTemps(tmpDir: string): Promise<void> {
  const cutoff = Date.now() - STALE_TEMP_MS;
  for (const name of await readdir(tmpDir)) {
    const file = path.join(tmpDir, name);
    try {
      if ((await stat(file)).mtimeMs < cutoff) await rm(file, { force: true, recursive: true });
    } catch {
      // gone already, or not ours to judge
    }
  }
}

async function writeDurably(file: string, data: Buffer): Promise<void> {
  const handle = await open(file, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function fsyncFile(file: string): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** rename(2) into `dest`, creating its folder; retried once if a concurrent deletePrefix removed the folder. */
async function renameIntoPlace(src: string, dest: string): Promise<void> {
  const dir = path.dirname(dest);
  for (let attempt = 0; ; attempt++) {
    await mkdir(dir, { recursive: true });
    try {
      await rename(src, dest);
      break;
    } catch (err) {
      if (attempt > 0 || (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  await fsyncDir(dir);
}

/** Makes the rename itself durable; not every platform lets a folder be fsynced, hence best effort. */
async function fsyncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // best effort
  }
}

async function readContentType(file: string): Promise<string | null> {
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    const type = (parsed as { contentType?: unknown } | null)?.contentType;
    return typeof type === 'string' && type !== '' ? type : null;
  } catch {
    return null;
  }
}

async function removeMatching(dir: string, matches: (name: string, isDir: boolean) => boolean): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isMissing(err)) return;
    throw err;
  }
  await Promise.all(entries.filter((e) => matches(e.name, e.isDirectory())).map((e) => rm(path.join(dir, e.name), { recursive: true, force: true })));
}

const isMissing = (err: unknown) => ['ENOENT', 'ENOTDIR', 'EISDIR'].includes((err as NodeJS.ErrnoException)?.code ?? '');

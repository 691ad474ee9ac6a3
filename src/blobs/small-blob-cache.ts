import type { Readable } from 'node:stream';
import type { BlobLoader, BlobStore, LoadedBlob } from './ports.js';

export interface SmallBlobCacheOptions {
  /** Bytes kept in all (least recently served dropped first). */
  maxBytes?: number;
  /** Larger blobs are never kept. */
  maxBlobBytes?: number;
  /**
   * How long a kept blob is served before the store is asked again whether it still exists
   * (default 1 s). `Infinity`: never asked again; for a store where each check is a paid request
   * (S3), with deletes by other processes told through `forget`.
   */
  recheckMs?: number;
  /**
   * True while every delete by another process is told through `forget` (the signal bus is
   * connected); then a kept blob is rechecked only every `trustedRecheckMs`, a safety net for a
   * lost message. While false (the bus is down), `recheckMs` applies.
   */
  trusted?: () => boolean;
  trustedRecheckMs?: number;
  now?: () => number;
}

interface Entry {
  blob: LoadedBlob & { bytes: Buffer };
  checkedAt: number;
}

export interface SmallBlobCache extends BlobStore, BlobLoader {
  /** Drops every kept blob whose key starts with `prefix` (another process deleted them); a load in flight does not keep what it read. */
  forget(prefix: string): void;
}

/**
 * Portraits and thumbnails served from memory: a GET of a signed portrait then opens no file.
 * Blobs are written once under their key (assets are never rewritten in place), so a kept copy
 * can only go stale by being deleted or put again: a put or delete through this store drops the
 * keys it touches before and after it runs, and a load in flight across one does not keep what
 * it read. A change made by another process is seen within `recheckMs`, or at once when it is
 * told through `forget`.
 */
export function withSmallBlobCache(inner: BlobStore, opts: SmallBlobCacheOptions = {}): SmallBlobCache {
  const maxBytes = opts.maxBytes ?? 8 * 1024 * 1024;
  const maxBlobBytes = opts.maxBlobBytes ?? 256 * 1024;
  const untrustedRecheckMs = opts.recheckMs ?? 1_000;
  const trustedRecheckMs = opts.trustedRecheckMs ?? 60_000;
  const trusted = opts.trusted ?? (() => false);
  const now = opts.now ?? Date.now;
  const entries = new Map<string, Entry>(); // in order of last use
  let keptBytes = 0;
  let generation = 0;

  const drop = (key: string) => {
    const e = entries.get(key);
    if (!e) return;
    keptBytes -= e.blob.size;
    entries.delete(key);
  };
  const dropMatching = (match: (key: string) => boolean) => {
    generation++;
    for (const key of [...entries.keys()]) if (match(key)) drop(key);
  };
  const keep = (key: string, blob: Entry['blob']) => {
    drop(key);
    entries.set(key, { blob, checkedAt: now() });
    keptBytes += blob.size;
    for (const oldest of entries.keys()) {
      if (keptBytes <= maxBytes) break;
      drop(oldest);
    }
  };
  const writing = async (match: (key: string) => boolean, write: () => Promise<void>) => {
    dropMatching(match);
    try {
      await write();
    } finally {
      dropMatching(match);
    }
  };

  return {
    async load(key) {
      const hit = entries.get(key);
      const recheckMs = trusted() ? Math.max(trustedRecheckMs, untrustedRecheckMs) : untrustedRecheckMs;
      if (hit && now() - hit.checkedAt < recheckMs) {
        entries.delete(key); // most recently used goes last
        entries.set(key, hit);
        return hit.blob;
      }
      const startedAt = generation;
      const meta = await inner.stat(key);
      if (!meta) {
        if (startedAt === generation) drop(key);
        return null;
      }
      if (hit && startedAt === generation && hit.blob.size === meta.size && hit.blob.contentType === meta.contentType) {
        hit.checkedAt = now();
        return hit.blob;
      }
      if (meta.size > maxBlobBytes) return { ...meta, bytes: null };
      const bytes = await readAll(await inner.read(key));
      const blob = { size: bytes.length, contentType: meta.contentType, bytes };
      if (startedAt === generation && bytes.length === meta.size) keep(key, blob);
      return blob;
    },
    stat: (key) => inner.stat(key),
    read: (key, range) => inner.read(key, range),
    putFile: (key, localPath, contentType) =>
      writing(
        (k) => k === key,
        () => inner.putFile(key, localPath, contentType),
      ),
    putBuffer: (key, data, contentType) =>
      writing(
        (k) => k === key,
        () => inner.putBuffer(key, data, contentType),
      ),
    deletePrefix: (prefix) =>
      writing(
        (k) => k.startsWith(prefix),
        () => inner.deletePrefix(prefix),
      ),
    ping: () => inner.ping(),
    forget: (prefix) => dropMatching((k) => k.startsWith(prefix)),
  };
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

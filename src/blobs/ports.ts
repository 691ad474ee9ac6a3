import type { Readable } from 'node:stream';

/** Where assets live for good: a folder by default, S3 when configured. Keys are relative paths like `characters/ch_x/portrait.webp`. */
export interface BlobStore {
  /** Writes the file at `localPath` under `key` atomically (readers never see half a blob). */
  putFile(key: string, localPath: string, contentType: string): Promise<void>;
  putBuffer(key: string, data: Buffer, contentType: string): Promise<void>;
  stat(key: string): Promise<{ size: number; contentType: string } | null>;
  /** `range` is inclusive, like HTTP. */
  read(key: string, range?: { start: number; end: number }): Promise<Readable>;
  /** Deletes every blob whose key starts with `prefix`. */
  deletePrefix(prefix: string): Promise<void>;
  ping(): Promise<void>;
}

/** A blob's facts, with its bytes when it is small enough to be kept in memory. */
export interface LoadedBlob {
  size: number;
  contentType: string;
  /** null: larger than the cache keeps; read it as a stream. */
  bytes: Buffer | null;
}

/** A store that can hand small blobs over whole (the read paths use it to skip opening a stream). */
export interface BlobLoader {
  /** null when there is no blob at `key`. */
  load(key: string): Promise<LoadedBlob | null>;
}

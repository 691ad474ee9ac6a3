import { type FileHandle, open } from 'node:fs/promises';
import { request } from 'undici';
import { isLoopbackRelay } from '../ffmpeg/input-args.js';

/** Random access to the bytes of a source: a local file, or the loopback relay of a remote one. */
export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** Up to `length` bytes at `offset` (fewer only at the end of the source). */
  read(offset: number, length: number): Promise<Buffer>;
  close(): Promise<void>;
}

/** Opens `src` as the media tools would read it; null when it cannot be opened (the tools then say why). */
export async function openByteSource(src: string): Promise<ByteSource | null> {
  return isLoopbackRelay(src) ? relaySource(src) : fileSource(src);
}

async function fileSource(path: string): Promise<ByteSource | null> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch {
    return null;
  }
  const { size } = await fh.stat();
  return {
    size,
    async read(offset, length) {
      const n = Math.max(0, Math.min(length, size - offset));
      const buf = Buffer.allocUnsafe(n);
      let got = 0;
      while (got < n) {
        const { bytesRead } = await fh.read(buf, got, n - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return buf.subarray(0, got);
    },
    close: () => fh.close(),
  };
}

const CONTENT_RANGE_TOTAL = /^bytes \d+-\d+\/(\d+)$/;

/** What the first read of a relayed source fetches: the head of a file holds most headers. */
const RELAY_HEAD_BYTES = 64 * 1024;

/**
 * The relay answers closed ranges with 206 and the total size (src/fetch/range-source.ts); each
 * read is one request, which the relay turns into the same bounded range from the origin. The
 * head is fetched once, with the size, and served from memory afterwards.
 */
async function relaySource(url: string): Promise<ByteSource | null> {
  const get = async (offset: number, length: number) => {
    const res = await request(url, { headers: { range: `bytes=${offset}-${offset + length - 1}` } });
    const body = Buffer.from(await res.body.arrayBuffer());
    const total = CONTENT_RANGE_TOTAL.exec(String(res.headers['content-range'] ?? ''));
    return { status: res.statusCode, body, size: total ? Number(total[1]) : null };
  };
  const first = await get(0, RELAY_HEAD_BYTES).catch(() => null);
  if (!first || first.status !== 206 || first.size === null) return null;
  const { size, body: head } = first;
  return {
    size,
    async read(offset, length) {
      const n = Math.max(0, Math.min(length, size - offset));
      if (n === 0) return Buffer.alloc(0);
      if (offset + n <= head.length) return head.subarray(offset, offset + n);
      const got = await get(offset, n);
      if (got.status !== 206) throw new Error(`the source relay answered ${got.status}`);
      return got.body;
    },
    close: async () => {},
  };
}

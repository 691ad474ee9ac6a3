import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRangeSource, type RangeSource } from '../../src/fetch/range-source.js';
import { startFileServer } from '../support/file-server.js';

const MiB = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'range-source-'));
const bytes = randomBytes(5 * MiB + 12_345); // larger than the 4 MiB the relay keeps
const path = join(dir, 'source.bin');
writeFileSync(path, bytes);

let files: Awaited<ReturnType<typeof startFileServer>>;
beforeAll(async () => {
  files = await startFileServer({ 'source.bin': { path, type: 'application/octet-stream' } });
});
afterAll(async () => {
  await files?.close();
  rmSync(dir, { recursive: true, force: true });
});

const open = async () =>
  (await openRangeSource(files.url('source.bin'), { maxBytes: 1e9, timeoutMs: 10_000, allowPrivate: true, maxRedirects: 0 }, { minBytes: 0 }))!;

/** Runs `use` on a freshly opened relay of the source, closing it afterwards. */
async function withSource(use: (source: RangeSource) => Promise<void>) {
  const source = await open();
  try {
    await use(source);
  } finally {
    await source.close();
  }
}

async function get(source: RangeSource, range: string) {
  const res = await request(source.localUrl, { headers: { range } });
  return { status: res.statusCode, contentRange: res.headers['content-range'], body: Buffer.from(await res.body.arrayBuffer()) };
}

describe('range relay', () => {
  it('answers ranges with the very bytes of the source', () =>
    withSource(async (source) => {
      for (const [range, start, end] of [
        ['bytes=0-99', 0, 99],
        ['bytes=3000000-3000099', 3_000_000, 3_000_099],
        ['bytes=5000000-', 5_000_000, bytes.length - 1],
      ] as const) {
        const got = await get(source, range);
        expect(got.status).toBe(206);
        expect(got.contentRange).toBe(`bytes ${start}-${end}/${bytes.length}`);
        expect(got.body.equals(bytes.subarray(start, end + 1)), range).toBe(true);
      }
      expect((await get(source, `bytes=${bytes.length}-`)).status).toBe(416);
    }));

  it('fetches the head of the source once: a second reader of the header gets it from memory', () =>
    withSource(async (source) => {
      const probe = await get(source, 'bytes=0-65535');
      expect(probe.body.equals(bytes.subarray(0, 65_536))).toBe(true);
      const moov = await get(source, 'bytes=40000-2000000'); // overlaps what is kept, then extends it
      expect(moov.body.equals(bytes.subarray(40_000, 2_000_001))).toBe(true);
      expect(source.bytesRead()).toBe(2_000_001);
      const ffmpeg = await get(source, 'bytes=0-2999999');
      expect(ffmpeg.body.equals(bytes.subarray(0, 3_000_000))).toBe(true);
      expect(source.bytesRead()).toBe(3_000_000); // only the bytes past what was kept
    }));

  it('keeps at most 4 MiB, and nothing that does not continue the head', () =>
    withSource(async (source) => {
      const tail = await get(source, 'bytes=4500000-');
      expect(tail.body.equals(bytes.subarray(4_500_000))).toBe(true);
      const before = source.bytesRead();
      const whole = await get(source, 'bytes=0-');
      expect(whole.body.equals(bytes)).toBe(true);
      expect(source.bytesRead() - before).toBe(bytes.length); // the tail read earlier was not kept
      const again = await get(source, 'bytes=0-');
      expect(again.body.equals(bytes)).toBe(true);
      expect(source.bytesRead() - before - bytes.length).toBe(bytes.length - 4 * MiB);
    }));

  it.each([
    // more: nothing past the first 1 MiB request is forwarded; fewer: no second request is made
    ['more', (_start: number) => bytes.length - 1, (read: number) => expect(read).toBeLessThan(MiB + 256 * 1024)],
    ['fewer', (start: number) => start + 99, (read: number) => expect(read).toBe(100)],
  ] as const)(
    'ends the relayed reply when the origin sends %s bytes than the range it was asked for',
    async (_how, lastByte, checkRead) => {
      const sloppy = createServer((req, res) => {
        const start = Number(/^bytes=(\d+)-/.exec(req.headers.range ?? '')?.[1] ?? 0);
        const end = req.headers.range === 'bytes=0-0' ? 0 : lastByte(start);
        res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${bytes.length}`, 'content-length': end - start + 1 });
        res.end(bytes.subarray(start, end + 1));
      });
      await new Promise<void>((r) => sloppy.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(sloppy.address() as AddressInfo).port}/v.mp4`;
      const source = (await openRangeSource(url, { maxBytes: 1e9, timeoutMs: 10_000, allowPrivate: true, maxRedirects: 0 }, { minBytes: 0 }))!;
      try {
        await expect(get(source, 'bytes=1000-2000999')).rejects.toThrow();
        checkRead(source.bytesRead());
      } finally {
        await source.close();
        sloppy.closeAllConnections();
        sloppy.close();
      }
    },
    15_000,
  );
});

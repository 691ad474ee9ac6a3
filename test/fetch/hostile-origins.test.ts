import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isForbiddenAddress } from '../../src/fetch/address-policy.js';
import type { NetworkOverrides } from '../../src/fetch/download-options.js';
import { downloadToFile } from '../../src/fetch/download-to-file.js';
import { openRangeSource, type RangeSource } from '../../src/fetch/range-source.js';
import { createSourceFetcher } from '../../src/fetch/source-fetcher.js';
import * as hostile from './hostile-answers.js';
import { limits, makeTempDir, rejection } from './http-fixtures.js';
import { type RawAnswer, type RawOrigin, startRawOrigin } from './raw-origin.js';

const BYTES = randomBytes(300 * 1024);
const RANGE_BYTES = randomBytes(3 * 1024 * 1024 + 777); // more than the 1 MiB the relay asks at a time
const open = limits({ allowPrivate: true });
const short = limits({ allowPrivate: true, timeoutMs: 500 });

let tmp: { dir: string; cleanup: () => Promise<void> };
let n = 0;
const dest = () => path.join(tmp.dir, `download-${++n}.bin`);
const origins: RawOrigin[] = [];
async function origin(answer: RawAnswer): Promise<RawOrigin> {
  const o = await startRawOrigin(answer);
  origins.push(o);
  return o;
}

beforeAll(async () => {
  tmp = await makeTempDir();
});
afterEach(async () => {
  await Promise.all(origins.splice(0).map((o) => o.close()));
});
afterAll(async () => {
  await tmp.cleanup();
});

describe('downloadToFile: origins that close the connection to end the body', () => {
  it.each([
    ['HTTP/1.0 with a Content-Length (python http.server)', hostile.http10WithLength(BYTES)],
    ['HTTP/1.0 without a length', hostile.http10WithoutLength(BYTES)],
    ['HTTP/1.1 Connection: close without a length', hostile.connectionCloseWithoutLength(BYTES)],
  ])('%s: downloads every byte', async (_name, answer) => {
    const o = await origin(answer);
    const target = dest();
    const result = await downloadToFile(o.url(), target, open);
    expect(result.bytes).toBe(BYTES.length);
    expect((await readFile(target)).equals(BYTES)).toBe(true);
  });
});

describe('downloadToFile: origins that fail', () => {
  it.each([
    ['closes without answering', 'source_unreachable', hostile.closeWithoutAnswer(), open],
    ['resets without answering', 'source_unreachable', hostile.resetWithoutAnswer(), open],
    ['closes before Content-Length is reached', 'source_unreachable', hostile.closeEarly(BYTES), open],
    ['resets the connection mid-body', 'source_unreachable', hostile.resetMidBody(BYTES), open],
    ['destroys the socket mid-body', 'source_unreachable', hostile.destroyMidBody(BYTES), open],
    ['answers junk instead of a status line', 'source_unreachable', hostile.garbageStatusLine(), open],
    ['sends a Content-Length that is not a number', 'source_unreachable', hostile.invalidContentLength(BYTES), open],
    ['sends invalid header lines', 'source_unreachable', hostile.invalidHeaderLines(BYTES), open],
    ['sends two different Content-Lengths', 'source_unreachable', hostile.conflictingContentLengths(BYTES), open],
    ['breaks the chunked encoding', 'source_unreachable', hostile.badChunkedEncoding(BYTES), open],
    ['closes inside a chunk', 'source_unreachable', hostile.truncatedChunk(BYTES), open],
    ['sends headers larger than any client keeps', 'source_unreachable', hostile.hugeHeaders(), open],
    ['never answers', 'source_timeout', hostile.stallBeforeHeaders(), short],
    ['sends headers, then nothing', 'source_timeout', hostile.stallAfterHeaders(BYTES), short],
    ['stops half-way through the body', 'source_timeout', hostile.stallMidBody(BYTES), short],
    ['answers 503', 'source_unreachable', hostile.answerStatus(503), open],
  ] as const)('%s: %s', async (_name, code, answer, lim) => {
    const o = await origin(answer);
    const target = dest();
    const started = Date.now();
    const err = await rejection(downloadToFile(o.url(), target, lim));
    expect(err.code, String(err)).toBe(code);
    expect(err.param).toBe('url');
    expect(existsSync(target)).toBe(false);
    expect(Date.now() - started).toBeLessThan(lim.timeoutMs + 2_000);
  });

  it('keeps only the declared bytes of an origin that sends more than its Content-Length', async () => {
    const declared = 100 * 1024;
    const o = await origin(hostile.moreThanLength(BYTES, declared));
    const target = dest();
    const result = await downloadToFile(o.url(), target, open);
    expect(result.bytes).toBe(declared);
    expect((await readFile(target)).equals(BYTES.subarray(0, declared))).toBe(true);
  });

  it('follows a redirect at once, without waiting for a body that never comes', async () => {
    const final = await origin(hostile.http10WithLength(BYTES));
    const o = await origin(hostile.redirectThenStall(final.url('/final.mp4')));
    const started = Date.now();
    const result = await downloadToFile(o.url(), dest(), limits({ allowPrivate: true, timeoutMs: 3_000 }));
    expect(result.bytes).toBe(BYTES.length);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('refuses a body without a length that runs past maxBytes (source_too_large)', async () => {
    const o = await origin(hostile.http10WithoutLength(BYTES));
    const target = dest();
    const err = await rejection(downloadToFile(o.url(), target, limits({ allowPrivate: true, maxBytes: 100 * 1024 })));
    expect(err.code).toBe('source_too_large');
    expect(existsSync(target)).toBe(false);
  });

  it('refuses a redirect to a private address when private URLs are not allowed (url_not_allowed)', async () => {
    // 127.0.0.1 stands in for a public host here; every other address keeps its real verdict.
    const overrides: NetworkOverrides = {
      isForbiddenAddress: (ip) => ip !== '127.0.0.1' && isForbiddenAddress(ip),
      resolveHost: async (name) => [{ address: name === 'public.test' ? '127.0.0.1' : '192.168.1.10', family: 4 }],
    };
    const targets = [
      'http://localhost/secret',
      'http://10.0.0.1/secret',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]/secret',
      'http://intranet.test/secret',
    ];
    for (const location of targets) {
      const o = await origin(hostile.redirectTo(location));
      const target = dest();
      const err = await rejection(downloadToFile(`http://public.test:${o.port}/v.mp4`, target, limits(), undefined, overrides));
      expect(err.code, location).toBe('url_not_allowed');
      expect(err.param).toBe('url');
      expect(o.requests.map((r) => r.path)).toEqual(['/v.mp4']);
      expect(existsSync(target)).toBe(false);
    }
  });
});

describe('downloadToFile: error statuses', () => {
  it.each([401, 403, 404, 410])("HTTP %i is the caller's mistake (invalid_url naming the status)", async (status) => {
    const o = await origin(hostile.answerStatus(status));
    const target = dest();
    const err = await rejection(downloadToFile(o.url(), target, open));
    expect(err.code).toBe('invalid_url');
    expect(err.param).toBe('url');
    expect(err.message).toBe(`the source answered HTTP ${status}`);
    expect(existsSync(target)).toBe(false);
  });

  it.each([500, 503])('HTTP %i is the source failing (source_unreachable naming the status)', async (status) => {
    const o = await origin(hostile.answerStatus(status));
    const err = await rejection(downloadToFile(o.url(), dest(), open));
    expect(err.code).toBe('source_unreachable');
    expect(err.message).toBe(`the source answered HTTP ${status}`);
  });

  it.each([
    [404, 'invalid_url'],
    [503, 'source_unreachable'],
  ])('the range probe maps HTTP %i the same way (%s)', async (status, code) => {
    const o = await origin(hostile.answerStatus(status));
    const err = await rejection(openRangeSource(o.url(), open, { minBytes: 1 }));
    expect(err.code).toBe(code);
    expect(err.message).toBe(`the source answered HTTP ${status}`);
  });

  it('answers an error status at once, without waiting for a body that never comes', async () => {
    const o = await origin(hostile.statusThenStall(404));
    const started = Date.now();
    const err = await rejection(downloadToFile(o.url(), dest(), limits({ allowPrivate: true, timeoutMs: 3_000 })));
    expect(err.code).toBe('invalid_url');
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});

describe('range reads from origins that misbehave mid-range', () => {
  const rangeLimits = limits({ allowPrivate: true, maxBytes: 1e9, timeoutMs: 1_500 });

  async function openRelay(misbehaviour: hostile.RangeMisbehaviour): Promise<RangeSource> {
    const o = await origin(hostile.rangeOrigin(RANGE_BYTES, misbehaviour));
    const source = await openRangeSource(o.url(), rangeLimits, { minBytes: 1 });
    expect(source).not.toBeNull();
    return source!;
  }

  /** Reads `range` from the relay as ffmpeg would: what arrives before the reply ends or breaks. */
  async function readRelay(source: RangeSource, range: string): Promise<{ bytes: number; broken: boolean }> {
    let bytes = 0;
    try {
      // The relay may break the reply before its headers are even sent.
      const res = await request(source.localUrl, { headers: { range }, headersTimeout: 10_000, bodyTimeout: 10_000 });
      for await (const chunk of res.body) bytes += (chunk as Buffer).length;
      return { bytes, broken: false };
    } catch {
      return { bytes, broken: true };
    }
  }

  it.each([
    ['resets the connection half-way', 'reset', 'source_unreachable'],
    ['resets the connection right after the headers', 'reset-before-body', 'source_unreachable'],
    ['stalls', 'stall', 'source_timeout'],
    ['answers a range other than the one asked', 'wrong-range', 'source_unreachable'],
    ['answers 200 with the whole file', 'ignore-range', 'source_unreachable'],
  ] as const)('the origin %s: the relayed reply breaks and the relay names the failure', async (_name, misbehaviour, code) => {
    const source = await openRelay(misbehaviour);
    try {
      const got = await readRelay(source, 'bytes=0-');
      expect(got.broken).toBe(true);
      expect(got.bytes).toBeLessThan(RANGE_BYTES.length);
      expect(source.failure()).toMatchObject({ code });
    } finally {
      await source.close();
    }
  });

  it('a reset is not held against later reads: asked again, the relay serves the rest and names no failure', async () => {
    const resetting = hostile.rangeOrigin(RANGE_BYTES, 'reset');
    const honest = hostile.rangeOrigin(RANGE_BYTES, null);
    let answered = 0;
    const o = await origin((socket, req) => (req.headers.range !== 'bytes=0-0' && answered++ === 0 ? resetting : honest)(socket, req));
    const source = (await openRangeSource(o.url(), rangeLimits, { minBytes: 1 }))!;
    try {
      const first = await readRelay(source, 'bytes=0-');
      expect(first.broken).toBe(true);
      expect(source.failure()).toMatchObject({ code: 'source_unreachable' });
      const rest = await request(source.localUrl, { headers: { range: `bytes=${first.bytes}-` } });
      const body = Buffer.from(await rest.body.arrayBuffer());
      expect(body.equals(RANGE_BYTES.subarray(first.bytes))).toBe(true);
      expect(source.failure()).toBeNull();
    } finally {
      await source.close();
    }
  });

  it('an honest range origin is relayed byte for byte, with no failure', async () => {
    const o = await origin(hostile.rangeOrigin(RANGE_BYTES, null));
    const source = (await openRangeSource(o.url(), rangeLimits, { minBytes: 1 }))!;
    try {
      const res = await request(source.localUrl, { headers: { range: 'bytes=0-' } });
      const body = Buffer.from(await res.body.arrayBuffer());
      expect(body.equals(RANGE_BYTES)).toBe(true);
      expect(source.failure()).toBeNull();
    } finally {
      await source.close();
    }
  });

  it('the source fetcher opens a large rangeable source in place, and downloads a small one', async () => {
    const o = await origin(hostile.rangeOrigin(RANGE_BYTES, 'reset'));
    const fetcher = createSourceFetcher({ ...rangeLimits, rangeReadMinBytes: 1024 * 1024 });
    const opened = await fetcher.fetchOrOpen(o.url(), dest());
    expect('range' in opened).toBe(true);
    if ('range' in opened) await opened.range.close();
    const small = await origin(hostile.http10WithLength(BYTES));
    const target = dest();
    expect(await fetcher.fetchOrOpen(small.url(), target)).toEqual({ path: target });
  });
});

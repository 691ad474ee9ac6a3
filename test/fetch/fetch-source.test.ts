import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSourceFetcher, fetchSource } from '../../src/fetch/index.js';
import { limits, makeTempDir, rejection, serveBytes, startServer } from './http-fixtures.js';

let tmp: { dir: string; cleanup: () => Promise<void> };
let n = 0;
const dest = () => path.join(tmp.dir, `source-${++n}.bin`);
beforeAll(async () => {
  tmp = await makeTempDir();
});
afterAll(async () => {
  await tmp.cleanup();
});

describe('fetchSource', () => {
  it('writes data: URLs without any network', async () => {
    const target = dest();
    const result = await fetchSource('data:video/mp4;base64,AAECAw==', target, limits());
    expect(result.bytes).toBe(4);
    expect(await readFile(target)).toEqual(Buffer.from([0, 1, 2, 3]));
  });

  it('applies maxBytes to data: URLs', async () => {
    const err = await rejection(fetchSource('data:video/mp4;base64,AAECAw==', dest(), limits({ maxBytes: 3 })));
    expect(err.code).toBe('source_too_large');
  });

  it('downloads http URLs', async () => {
    const body = Buffer.from('video bytes');
    const s = await startServer(serveBytes(body));
    try {
      const target = dest();
      const result = await fetchSource(`${s.origin}/v.mp4`, target, limits({ allowPrivate: true }));
      expect(result).toEqual({ bytes: body.length, contentType: 'video/mp4', finalUrl: `${s.origin}/v.mp4` });
      expect(await readFile(target)).toEqual(body);
    } finally {
      await s.close();
    }
  });

  it('refuses loopback http URLs by default', async () => {
    const s = await startServer(serveBytes(Buffer.from('x')));
    try {
      const err = await rejection(fetchSource(`${s.origin}/`, dest(), limits()));
      expect(err.code).toBe('url_not_allowed');
      expect(s.hits).toEqual([]);
    } finally {
      await s.close();
    }
  });

  it.each(['file:///etc/passwd', 'ftp://example.com/v.mp4', 'javascript:alert(1)', 'data:text/html;base64,PGgxPg=='])(
    'refuses %s as invalid_url',
    async (url) => {
      const err = await rejection(fetchSource(url, dest(), limits({ allowPrivate: true })));
      expect(err.code).toBe('invalid_url');
      expect(err.param).toBe('url');
    },
  );
});

describe('createSourceFetcher', () => {
  const fetcher = createSourceFetcher(limits({ maxBytes: 10 }));

  it('checks URLs at request time without touching the network', () => {
    expect(() => fetcher.checkUrl('https://cdn.example.com/v.mp4')).not.toThrow();
    expect(() => fetcher.checkUrl('data:video/mp4;base64,AAECAw==')).not.toThrow();
    expect(codeOf(() => fetcher.checkUrl('http://0x7f.1/'))).toBe('url_not_allowed');
    expect(codeOf(() => fetcher.checkUrl('http://localhost/'))).toBe('url_not_allowed');
    expect(codeOf(() => fetcher.checkUrl('file:///etc/passwd'))).toBe('invalid_url');
    expect(codeOf(() => fetcher.checkUrl('data:text/html;base64,AAAA'))).toBe('invalid_url');
    expect(codeOf(() => fetcher.checkUrl(`data:video/mp4;base64,${Buffer.alloc(11).toString('base64')}`))).toBe('source_too_large');
  });

  it('allows private hosts at request time when allowPrivate is set', () => {
    expect(() => createSourceFetcher(limits({ allowPrivate: true })).checkUrl('http://127.0.0.1:9/')).not.toThrow();
  });

  it('fetches within its limits', async () => {
    const s = await startServer(serveBytes(Buffer.alloc(11)));
    try {
      const own = createSourceFetcher(limits({ allowPrivate: true, maxBytes: 10 }));
      const err = await rejection(own.fetchToFile(`${s.origin}/`, dest()));
      expect(err.code).toBe('source_too_large');
    } finally {
      await s.close();
    }
  });
});

function codeOf(fn: () => void): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

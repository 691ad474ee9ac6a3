import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDataUrlToFile } from '../../src/fetch/data-url.js';
import { makeTempDir, rejection } from './http-fixtures.js';

let tmp: { dir: string; cleanup: () => Promise<void> };
let n = 0;
const dest = () => path.join(tmp.dir, `data-${++n}.bin`);
beforeAll(async () => {
  tmp = await makeTempDir();
});
afterAll(async () => {
  await tmp.cleanup();
});

const MB = 1024 * 1024;

describe('writeDataUrlToFile', () => {
  it('writes the decoded bytes of a data:video URL', async () => {
    const bytes = randomBytes(1000);
    const target = dest();
    const result = await writeDataUrlToFile(`data:video/mp4;base64,${bytes.toString('base64')}`, target, MB);
    expect(result).toEqual({ bytes: 1000, contentType: 'video/mp4', finalUrl: 'data:video/mp4' });
    expect(await readFile(target)).toEqual(bytes);
  });

  it('decodes payloads larger than one chunk exactly', async () => {
    const bytes = randomBytes(3 * MB + 7);
    const target = dest();
    const result = await writeDataUrlToFile(`data:video/webm;base64,${bytes.toString('base64')}`, target, 4 * MB);
    expect(result.bytes).toBe(bytes.length);
    // Buffer.equals: a deep toEqual over megabytes takes seconds.
    expect((await readFile(target)).equals(bytes)).toBe(true);
  });

  it('refuses a long run of padding quickly', async () => {
    const started = Date.now();
    const err = await rejection(writeDataUrlToFile(`data:video/mp4;base64,${'='.repeat(2 * MB)}A`, dest(), 4 * MB));
    expect(err.code).toBe('invalid_url');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it.each([
    ['application/octet-stream', 'data:application/octet-stream;base64,'],
    ['parameters and upper case', 'data:Video/QuickTime;name=clip.mov;BASE64,'],
    ['codecs parameter', 'data:video/mp4;codecs="avc1.42E01E";base64,'],
  ])('accepts %s', async (_label, prefix) => {
    const bytes = randomBytes(33);
    const result = await writeDataUrlToFile(prefix + bytes.toString('base64'), dest(), MB);
    expect(result.bytes).toBe(33);
  });

  it('accepts unpadded, URL-safe, line-wrapped and percent-encoded base64', async () => {
    const bytes = randomBytes(100);
    const b64 = bytes.toString('base64');
    const variants = [b64.replace(/=+$/, ''), bytes.toString('base64url'), b64.replace(/(.{20})/g, '$1\r\n'), encodeURIComponent(b64)];
    for (const payload of variants) {
      const target = dest();
      await writeDataUrlToFile(`data:video/mp4;base64,${payload}`, target, MB);
      expect(await readFile(target)).toEqual(bytes);
    }
  });

  it.each([
    'data:text/html;base64,PGgxPmhpPC9oMT4=',
    'data:image/png;base64,AAAA',
    'data:text/plain;base64,AAAA',
    'data:;base64,AAAA',
    'data:video;base64,AAAA',
    'data:video/;base64,AAAA',
  ])('refuses the media type of %s as invalid_url', async (url) => {
    const target = dest();
    const err = await rejection(writeDataUrlToFile(url, target, MB));
    expect(err.code).toBe('invalid_url');
    expect(err.param).toBe('url');
    expect(existsSync(target)).toBe(false);
  });

  it.each([
    ['not base64-encoded', 'data:video/mp4,raw-bytes'],
    ['no comma', 'data:video/mp4;base64'],
    ['not a data URL', 'video/mp4;base64,AAAA'],
    ['characters outside base64', 'data:video/mp4;base64,AA*A'],
    ['padding in the middle', 'data:video/mp4;base64,AA==AAAA'],
    ['too much padding', 'data:video/mp4;base64,A==='],
    ['impossible length', 'data:video/mp4;base64,AAAAA'],
    ['broken percent-encoding', 'data:video/mp4;base64,AA%ZZ'],
    ['empty payload', 'data:video/mp4;base64,'],
  ])('refuses a payload with %s as invalid_url', async (_label, url) => {
    const target = dest();
    const err = await rejection(writeDataUrlToFile(url, target, MB));
    expect(err.code).toBe('invalid_url');
    expect(existsSync(target)).toBe(false);
  });

  it('refuses a payload above maxBytes before writing anything', async () => {
    const target = dest();
    const url = `data:video/mp4;base64,${randomBytes(2048).toString('base64')}`;
    const err = await rejection(writeDataUrlToFile(url, target, 2047));
    expect(err.code).toBe('source_too_large');
    expect(existsSync(target)).toBe(false);
    await expect(writeDataUrlToFile(url, dest(), 2048)).resolves.toMatchObject({ bytes: 2048 });
  });
});

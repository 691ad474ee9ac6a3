import { readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as hostile from '../fetch/hostile-answers.js';
import { type PythonOrigin, startPythonOrigin } from '../fetch/python-origin.js';
import { type RawAnswer, type RawOrigin, startRawOrigin } from '../fetch/raw-origin.js';
import { type Harness, startHarness } from '../support/harness.js';
import { makeGarbage, makeVideo } from '../support/videos.js';

/** Misbehaving origins through the API and the real pipeline: a clear error or a character, every time. */
describe('hostile origins through the API', () => {
  let h: Harness;
  let python: PythonOrigin;
  let videoPath: string;
  let video: Buffer;
  const origins: RawOrigin[] = [];

  beforeAll(async () => {
    videoPath = await makeVideo({ durationSec: 4, width: 640, height: 360 });
    video = await readFile(videoPath);
    python = await startPythonOrigin(dirname(videoPath));
    // Every source of these tests is at least RANGE_READ_MIN_BYTES: range origins are read in place.
    h = await startHarness({ RANGE_READ_MIN_BYTES: String(64 * 1024), DOWNLOAD_TIMEOUT_MS: '3000' });
  });
  afterAll(async () => {
    await Promise.all(origins.map((o) => o.close()));
    await python?.close();
    await h?.close();
  });

  async function create(url: string) {
    const res = await h.app.inject({ method: 'POST', url: '/sora/v1/characters', headers: h.alice, payload: { url, timestamps: '1,3' } });
    return { status: res.statusCode, body: res.json(), text: res.body };
  }
  async function originOf(answer: RawAnswer): Promise<RawOrigin> {
    const o = await startRawOrigin(answer);
    origins.push(o);
    return o;
  }
  const sourceRead = async (id: string) => ((await h.rt.store.characters.get(id))!.media as { source_read: string }).source_read;

  it('python3 -m http.server (HTTP/1.0, closes after the body) gives a ready character', async () => {
    expect((await stat(videoPath)).size).toBeGreaterThan(100 * 1024);
    const res = await create(python.url(basename(videoPath)));
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ object: 'character', status: 'ready', error: null });
    expect(await sourceRead(res.body.id)).toBe('whole');
  });

  it('a source that is not a video: 422 unsupported_media', async () => {
    const o = await originOf(hostile.http10WithLength(await readFile(await makeGarbage())));
    const res = await create(o.url());
    expect(res.status, res.text).toBe(422);
    expect(res.body.error.code).toBe('unsupported_media');
  });

  it('an honest range origin is read in place into a ready character', async () => {
    const o = await originOf(hostile.rangeOrigin(video, null));
    const res = await create(o.url());
    expect(res.status, res.text).toBe(200);
    expect(await sourceRead(res.body.id)).toBe('range');
  });

  it('a range origin that resets half-way through every range: ffmpeg asks again from where it stopped, a ready character', async () => {
    const o = await originOf(hostile.rangeOrigin(video, 'reset'));
    const res = await create(o.url());
    expect(res.status, res.text).toBe(200);
    expect(await sourceRead(res.body.id)).toBe('range');
  });

  it.each([
    ['resets right after the headers of every range', 502, 'source_unreachable', 'reset-before-body'],
    ['stalls mid-range', 504, 'source_timeout', 'stall'],
    ['answers another range than asked', 502, 'source_unreachable', 'wrong-range'],
    ['answers 200 instead of 206', 502, 'source_unreachable', 'ignore-range'],
  ] as const)('a range origin that %s: %i %s', async (_name, status, code, misbehaviour) => {
    const o = await originOf(hostile.rangeOrigin(video, misbehaviour));
    const res = await create(o.url());
    expect(res.status, res.text).toBe(status);
    expect(res.body.error.code).toBe(code);
  });
});

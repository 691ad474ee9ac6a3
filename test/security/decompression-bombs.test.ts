import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFileServer } from '../support/file-server.js';
import { type Harness, startHarness } from '../support/harness.js';
import { makeHighFpsMp4, makeManyStreamMkv, makeResolutionSwitchTs, pngHeaderBomb, watchPeakMemory } from './hostile-media.js';

const exec = promisify(execFile);
const FFPROBE = process.env.FFPROBE_PATH || 'ffprobe';
const MB = 1024 * 1024;

/**
 * Sources made to cost memory out of proportion to their size, through the API: each is refused
 * with its exact status and code (or, for the fast source, bounded), and the ffmpeg/ffprobe runs
 * of the service stay small while they are refused.
 */
describe('decompression bombs through the API', () => {
  let h: Harness;
  let files: Awaited<ReturnType<typeof startFileServer>>;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sc-bombs-'));
    files = await startFileServer({
      'switch.ts': { path: await makeResolutionSwitchTs(dir, { switchSec: 2, hugeWidth: 12000, hugeHeight: 12000 }), type: 'video/mp2t' },
      'streams.mkv': { path: await makeManyStreamMkv(dir, 200), type: 'video/x-matroska' },
      'fast.mp4': { path: await makeHighFpsMp4(dir, 1000, 3.2), type: 'video/mp4' },
    });
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
    await files?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const create = (name: string, timestamps: string) =>
    h.app.inject({ method: 'POST', url: '/sora/v1/characters', headers: h.alice, payload: { url: files.url(name), timestamps } });

  /** The request's answer, how long it took, and the peak memory of the service's media tools meanwhile. */
  async function measured(name: string, timestamps: string) {
    // Every ffmpeg/ffprobe run of the harness names a path inside its data folder.
    const watch = watchPeakMemory(h.dataDir);
    const t0 = performance.now();
    const res = await create(name, timestamps);
    const ms = performance.now() - t0;
    return { res, ms, toolPeakBytes: await watch.stop() };
  }

  function expectError(res: Awaited<ReturnType<typeof create>>, status: number, code: string) {
    expect(res.statusCode, res.body).toBe(status);
    const { error } = res.json();
    expect(error.code).toBe(code);
    expect(typeof error.message).toBe('string');
    expect(typeof error.type).toBe('string');
    expect(error).toHaveProperty('param');
    expect(error.message).not.toMatch(/\/tmp|ffmpeg|ffprobe|IMGUTILS/);
  }

  it('an MPEG-TS that switches from 640x360 to 12000x12000 inside the window: 422 media_too_large, refused early and small', async () => {
    const { res, ms, toolPeakBytes } = await measured('switch.ts', '1,3');
    expectError(res, 422, 'media_too_large');
    // Decoding the two huge pictures costs ffmpeg over 500 MB; refused, it stays near its baseline.
    expect(toolPeakBytes).toBeLessThan(300 * MB);
    expect(ms).toBeLessThan(20_000);
  });

  it('a Matroska file with 200 streams: 422 unsupported_media, before anything opens 200 decoders', async () => {
    const { res, ms, toolPeakBytes } = await measured('streams.mkv', '0,1');
    expectError(res, 422, 'unsupported_media');
    expect(toolPeakBytes).toBeLessThan(200 * MB);
    expect(ms).toBeLessThan(20_000);
  });

  it('a 1000 fps source: ready, and the kept clip has at most 60 frames per second', async () => {
    const res = await create('fast.mp4', '0,3');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().status).toBe('ready');
    const record = await h.rt.store.characters.get(res.json().id);
    const clip = join(dir, 'kept-clip.mp4');
    await pipeline(await h.rt.blobs.read(record?.clipKey as string), createWriteStream(clip));
    const { stdout } = await exec(FFPROBE, [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-count_frames',
      '-show_entries',
      'stream=r_frame_rate,nb_read_frames',
      '-of',
      'json',
      clip,
    ]);
    const [stream] = JSON.parse(stdout).streams as Array<{ r_frame_rate: string; nb_read_frames: string }>;
    const [num, den] = stream.r_frame_rate.split('/').map(Number);
    expect(num / den).toBeLessThanOrEqual(60);
    expect(Number(stream.nb_read_frames)).toBeLessThanOrEqual(3 * 60 + 1);
    expect(Number(stream.nb_read_frames)).toBeGreaterThanOrEqual(3 * 60 - 2);
  });

  it('an input_reference PNG that declares 100000x100000 pixels: 422 media_too_large on input_reference, from its header alone', async () => {
    const image_url = `data:image/png;base64,${pngHeaderBomb(100_000, 100_000).toString('base64')}`;
    const res = await h.app.inject({ method: 'POST', url: '/v1/videos', headers: h.alice, payload: { prompt: 'a harbour', input_reference: { image_url } } });
    expectError(res, 422, 'media_too_large');
    expect(res.json().error.param).toBe('input_reference');
  });
});

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultBinaries } from '../../src/ffmpeg/binaries.js';
import { probeMedia } from '../../src/media/probe.js';
import { extractWindow, type WindowOptions } from '../../src/media/window.js';
import { makeHighFpsMp4, makeManyStreamMkv, makeResolutionSwitchTs } from '../security/hostile-media.js';
import { makeVideo } from '../support/videos.js';

const exec = promisify(execFile);
const { ffmpeg, ffprobe } = defaultBinaries();

async function refusal(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toMatchObject({ name: 'AppError' });
  return e as { code: string; message: string };
}

/** The probe and the window run against sources built to cost more than they are worth. */
describe('probe and window limits', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'window-limits-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const window = async (src: string, o: Partial<WindowOptions> & { startSec: number; endSec: number }, signal?: AbortSignal) => {
    const clipPath = join(dir, `clip-${Math.random().toString(36).slice(2)}.mp4`);
    const probe = await probeMedia(src);
    const result = extractWindow(src, probe, { clipPath, ...o }, () => {}, signal);
    return { result, clipPath };
  };

  it('a Matroska source with 40 streams is refused by the probe: unsupported_media', async () => {
    const e = await refusal(probeMedia(await makeManyStreamMkv(dir, 40)));
    expect(e.code).toBe('unsupported_media');
    expect(e.message).toMatch(/streams/);
  });

  it('an MP4 with 20 tracks (read in-process, without ffprobe) is refused the same way', async () => {
    const one = await makeVideo({ durationSec: 1 });
    const mp4 = join(dir, 'tracks-20.mp4');
    const maps = ['-map', '0:v', ...Array.from({ length: 19 }, () => ['-map', '0:a']).flat()];
    await exec(ffmpeg, ['-v', 'error', '-y', '-i', one, ...maps, '-c', 'copy', '-movflags', '+faststart', mp4]);
    const e = await refusal(probeMedia(mp4, { ffprobePath: '/nonexistent/ffprobe' }));
    expect(e.code).toBe('unsupported_media');
    expect(e.message).toMatch(/streams/);
  });

  it('a resolution switch past the pixel limit inside the window: media_too_large, and no clip is left', async () => {
    const src = await makeResolutionSwitchTs(dir, { switchSec: 1.2, hugeWidth: 12000, hugeHeight: 12000 });
    const { result, clipPath } = await window(src, { startSec: 0.5, endSec: 2 });
    const e = await refusal(result);
    expect(e.code).toBe('media_too_large');
    expect(existsSync(clipPath)).toBe(false);
  });

  it('a 1000 fps source gives a clip of at most 60 fps', async () => {
    const src = await makeHighFpsMp4(dir, 1000, 2.2);
    const { result, clipPath } = await window(src, { startSec: 0, endSec: 2 });
    await result;
    const { stdout } = await exec(ffprobe, ['-v', 'error', '-count_frames', '-show_entries', 'stream=r_frame_rate,nb_read_frames', '-of', 'csv=p=0', clipPath]);
    const [rate, frames] = stdout.trim().split(',');
    const [num, den] = rate.split('/').map(Number);
    expect(num / den).toBeLessThanOrEqual(60);
    expect(Number(frames)).toBeLessThanOrEqual(2 * 60 + 1);
  });

  it('a window run over its time limit is killed: unsupported_media, and its clip is removed', async () => {
    const src = await makeVideo({ width: 1920, height: 1080, durationSec: 4, fps: 30 });
    const { result, clipPath } = await window(src, { startSec: 0.5, endSec: 3.5, timeoutMs: 700 });
    const e = await refusal(result);
    expect(e.code).toBe('unsupported_media');
    expect(e.message).toMatch(/time/);
    expect(existsSync(clipPath)).toBe(false);
  });

  it('an aborted window run removes its clip too', async () => {
    const src = await makeVideo({ width: 1920, height: 1080, durationSec: 4, fps: 30 });
    const ac = new AbortController();
    const { result, clipPath } = await window(src, { startSec: 0.5, endSec: 3.5 }, ac.signal);
    setTimeout(() => ac.abort(new Error('deleted')), 700);
    await result.then(
      () => expect.unreachable('the run should have been aborted'),
      () => undefined,
    );
    expect(existsSync(clipPath)).toBe(false);
  });
});

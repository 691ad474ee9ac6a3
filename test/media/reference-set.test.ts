import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RgbFrame } from '../../src/characters/ports.js';
import { isAppError } from '../../src/errors.js';
import { probeMedia } from '../../src/media/probe.js';
import { cutReferenceSet } from '../../src/media/reference-set.js';
import { extractWindow } from '../../src/media/window.js';
import { makeVideo } from '../support/videos.js';

/** Mean absolute difference of two packed RGB pictures of one size. */
function meanDiff(a: Buffer, b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

/** The reference cut on real clips: the frames are the analysed ones, at the clip's size; failures are typed and leave nothing. */
describe('cutReferenceSet', () => {
  let dir: string;
  let clipPath: string;
  let frames: RgbFrame[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sc-refcut-'));
    // testsrc2 moves every frame: neighbouring frames differ, so the right one can be told apart.
    const src = await makeVideo({ durationSec: 5, width: 1280, height: 720, fps: 30, audio: true });
    clipPath = join(dir, 'clip.mp4');
    frames = [];
    await extractWindow(src, await probeMedia(src), { startSec: 1.3, endSec: 4.1, clipPath }, (f) => {
      frames.push({ ...f, data: Buffer.from(f.data) });
    });
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('cuts the analysed frames at the given times (the same 8 fps grid), at the clip size, as JPEG, and the voice as MP3', async () => {
    const out = await mkdtemp(join(dir, 'a-'));
    const picks = [2, 9, 17];
    const cut = await cutReferenceSet(clipPath, { times: picks.map((i) => frames[i].timeSec - 1.3), width: 1280, height: 720, hasAudio: true, outDir: out });
    expect(cut.framePaths).toHaveLength(3);
    expect(cut.voicePath).toBe(join(out, 'voice.mp3'));
    for (const [k, path] of cut.framePaths.entries()) {
      const meta = await sharp(path).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 1280, 720]);
      const small = await sharp(path).resize(frames[0].width, frames[0].height, { fit: 'fill', kernel: 'cubic' }).raw().toBuffer();
      const i = picks[k];
      const same = meanDiff(small, frames[i].data);
      // Closer to its own analysed frame than to either neighbour.
      expect(same).toBeLessThan(meanDiff(small, frames[i - 1].data));
      expect(same).toBeLessThan(meanDiff(small, frames[i + 1].data));
    }
  });

  it('no audio asked: no voice file', async () => {
    const out = await mkdtemp(join(dir, 'b-'));
    const cut = await cutReferenceSet(clipPath, { times: [0, 1], width: 1280, height: 720, hasAudio: false, outDir: out });
    expect(cut.voicePath).toBeNull();
    expect((await readdir(out)).sort()).toEqual(['frame-0.jpg', 'frame-1.jpg']);
  });

  it('a clip that is not a video: unsupported_media, and no file is left', async () => {
    const out = await mkdtemp(join(dir, 'c-'));
    const bad = join(out, 'bad.mp4');
    await writeFile(bad, Buffer.alloc(4096, 7));
    const err = await cutReferenceSet(bad, { times: [0], width: 1280, height: 720, hasAudio: true, outDir: out }).catch((e: unknown) => e);
    expect(isAppError(err) && err.code).toBe('unsupported_media');
    expect(await readdir(out)).toEqual(['bad.mp4']);
  });

  it('an aborted cut rejects and leaves no file', async () => {
    const out = await mkdtemp(join(dir, 'd-'));
    const abort = new AbortController();
    abort.abort(new Error('stop'));
    await expect(cutReferenceSet(clipPath, { times: [0, 1], width: 1280, height: 720, hasAudio: true, outDir: out }, abort.signal)).rejects.toThrow();
    expect(await readdir(out)).toEqual([]);
  });
});

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFaceVideo } from '../support/faces.js';
import { startFileServer } from '../support/file-server.js';
import { type Harness, startHarness } from '../support/harness.js';
import { makeAudioOnly, makeEmpty, makeGarbage, makeHtml, makeImage, makeStillGif, makeTruncated, makeVideo, type VideoOptions } from '../support/videos.js';

/** The whole pipeline on the kinds of video apps send, and the refusals, through the API. */
describe('pipeline sources', () => {
  let h: Harness;
  let files: Awaited<ReturnType<typeof startFileServer>>;

  const videos: Record<string, VideoOptions & { expect: { w: number; h: number; audio: boolean } }> = {
    'landscape.mp4': { width: 640, height: 360, durationSec: 3, expect: { w: 640, h: 360, audio: true } },
    'portrait.mp4': { width: 360, height: 640, durationSec: 3, expect: { w: 360, h: 640, audio: true } },
    'rotated.mp4': { width: 640, height: 360, durationSec: 3, rotate: 90, expect: { w: 360, h: 640, audio: true } },
    'vp9.webm': { width: 320, height: 180, durationSec: 3, codec: 'vp9', expect: { w: 320, h: 180, audio: true } },
    'hevc.mov': { width: 320, height: 180, durationSec: 3, codec: 'hevc', expect: { w: 320, h: 180, audio: true } },
    'moov-at-end.mp4': { width: 320, height: 180, durationSec: 3, faststart: false, expect: { w: 320, h: 180, audio: true } },
    'silent.mp4': { width: 320, height: 180, durationSec: 3, audio: false, expect: { w: 320, h: 180, audio: false } },
  };

  beforeAll(async () => {
    const served: Record<string, { path: string; type: string }> = {};
    for (const [name, opts] of Object.entries(videos)) served[name] = { path: await makeVideo(opts), type: 'video/mp4' };
    Object.assign(served, {
      'page.html': { path: await makeHtml(), type: 'text/html' },
      'image.png': { path: await makeImage(), type: 'image/png' },
      'still.gif': { path: await makeStillGif(), type: 'image/gif' },
      'audio.m4a': { path: await makeAudioOnly(), type: 'audio/mp4' },
      'empty.mp4': { path: await makeEmpty(), type: 'video/mp4' },
      'truncated.mp4': { path: await makeTruncated(), type: 'video/mp4' },
      'garbage.mp4': { path: await makeGarbage(), type: 'video/mp4' },
    });
    // The face is on screen 1..5 s, but the whole picture is blurred 2..3.4 s.
    const dir = await mkdtemp(join(tmpdir(), 'sc-blur-'));
    served['blurred-face.mp4'] = {
      path: await makeFaceVideo(dir, 'blurred', {
        placement: { left: 380, top: 60, width: 180 },
        faceFrom: 1,
        faceTo: 5,
        blurFrom: 2,
        blurTo: 3.4,
        durationSec: 6,
      }),
      type: 'video/mp4',
    };
    files = await startFileServer(served);
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
    await files?.close();
  });

  const create = (name: string, timestamps = '1,2.5') =>
    h.app.inject({ method: 'POST', url: '/sora/v1/characters', headers: h.alice, payload: { url: files.url(name), timestamps } });

  it.each(Object.keys(videos))('makes a character from %s', async (name) => {
    const res = await create(name);
    expect(res.statusCode, res.body).toBe(200);
    const c = res.json();
    expect(c.status).toBe('ready');
    const media = (await h.rt.store.characters.get(c.id))?.media as Record<string, unknown>;
    const want = videos[name].expect;
    expect(media).toMatchObject({ clip_width: want.w, clip_height: want.h, clip_has_audio: want.audio });
    expect(media.portrait_time as number).toBeGreaterThanOrEqual(1);
    expect(media.portrait_time as number).toBeLessThanOrEqual(2.5);
  });

  it('a blurred second inside the window does not give the portrait', async () => {
    const res = await create('blurred-face.mp4', '2,4');
    expect(res.statusCode, res.body).toBe(200);
    const media = (await h.rt.store.characters.get(res.json().id))?.media as Record<string, unknown>;
    expect(media.portrait_subject).toBe('face');
    expect(media.portrait_time as number).toBeGreaterThan(3.4);
  });

  it.each(['page.html', 'image.png', 'still.gif', 'audio.m4a', 'empty.mp4', 'truncated.mp4', 'garbage.mp4'])(
    'refuses %s with 422 unsupported_media and keeps nothing',
    async (name) => {
      const res = await create(name, '0,1');
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json().error.code).toBe('unsupported_media');
      expect(res.json().error.message).not.toMatch(/\/tmp|\/work|ffmpeg|ffprobe|at .*\.ts/);
      const list = await h.app.inject({ method: 'GET', url: '/sora/v1/characters?limit=100', headers: h.alice });
      expect(list.json().data.some((c: { status: string }) => c.status === 'failed')).toBe(false);
    },
  );
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { startFileServer } from '../support/file-server.js';
import { type Harness, startHarness } from '../support/harness.js';
import { makeVideo } from '../support/videos.js';

describe('FFMPEG_TIMEOUT_MS and FFMPEG_MAX_MEMORY_MB', () => {
  it('default to 60 s and 1024 MiB', () => {
    expect(loadConfig({})).toMatchObject({ ffmpegTimeoutMs: 60_000, ffmpegMaxMemoryMb: 1024 });
    expect(loadConfig({ FFMPEG_TIMEOUT_MS: '5000', FFMPEG_MAX_MEMORY_MB: '2048' })).toMatchObject({ ffmpegTimeoutMs: 5000, ffmpegMaxMemoryMb: 2048 });
  });

  it.each([
    ['FFMPEG_TIMEOUT_MS', 'soon'],
    ['FFMPEG_TIMEOUT_MS', '10'],
    ['FFMPEG_MAX_MEMORY_MB', '-1'],
    ['FFMPEG_MAX_MEMORY_MB', '64'],
    ['FFMPEG_MAX_MEMORY_MB', '1.5'],
  ])('a wrong %s=%s stops boot with one line naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^invalid setting ${name}=`));
  });

  describe('reach the runs of the pipeline', () => {
    let h: Harness;
    let files: Awaited<ReturnType<typeof startFileServer>>;
    beforeAll(async () => {
      // A 4K window needs more than 256 MiB of data segment; the pipeline's ffmpeg is held to it.
      const uhd = await makeVideo({ width: 3840, height: 2160, durationSec: 2, fps: 10, audio: false, source: 'color' });
      files = await startFileServer({ 'uhd.mp4': { path: uhd, type: 'video/mp4' } });
      h = await startHarness({ FFMPEG_MAX_MEMORY_MB: '256' });
    });
    afterAll(async () => {
      await h?.close();
      await files?.close();
    });

    it('a window over FFMPEG_MAX_MEMORY_MB: 422 media_too_large', async () => {
      const res = await h.app.inject({
        method: 'POST',
        url: '/sora/v1/characters',
        headers: h.alice,
        payload: { url: files.url('uhd.mp4'), timestamps: '0,1.5' },
      });
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json().error).toMatchObject({ code: 'media_too_large', type: expect.any(String), param: 'url' });
    });
  });
});

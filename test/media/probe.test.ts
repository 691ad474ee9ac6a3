import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { probeMedia } from '../../src/media/probe.js';
import { makeAudioOnly, makeEmpty, makeGarbage, makeHtml, makeImage, makeStillGif, makeTruncated, makeVideo, topLevelAtoms } from '../support/videos.js';

async function refusal(path: string): Promise<AppError> {
  const e = await probeMedia(path).then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

describe('probeMedia on generated videos', () => {
  it('landscape H.264 mp4 with audio', async () => {
    const p = await probeMedia(await makeVideo({ durationSec: 2, width: 320, height: 180 }));
    expect(p).toMatchObject({ width: 320, height: 180, displayWidth: 320, displayHeight: 180, rotation: 0, videoCodec: 'h264', hasAudio: true, fps: 25 });
    expect(p.formatName).toContain('mp4');
    expect(p.durationSec).toBeCloseTo(2, 1);
  });

  it('portrait, no audio', async () => {
    const p = await probeMedia(await makeVideo({ width: 180, height: 320, audio: false }));
    expect(p).toMatchObject({ width: 180, height: 320, displayWidth: 180, displayHeight: 320, hasAudio: false });
  });

  it.each([90, 180, 270] as const)('rotated %i degrees by the display matrix', async (rotate) => {
    const p = await probeMedia(await makeVideo({ width: 320, height: 180, rotate, audio: false }));
    expect(p.rotation).toBe(rotate);
    expect([p.width, p.height]).toEqual([320, 180]);
    expect([p.displayWidth, p.displayHeight]).toEqual(rotate === 180 ? [320, 180] : [180, 320]);
  });

  it('VP9 WebM with Opus (duration from the stream tag)', async () => {
    const p = await probeMedia(await makeVideo({ codec: 'vp9', durationSec: 2 }));
    expect(p).toMatchObject({ videoCodec: 'vp9', hasAudio: true, width: 320, height: 180 });
    expect(p.formatName).toContain('webm');
    expect(p.durationSec).toBeCloseTo(2, 1);
  });

  it('WebM without any duration in its header (measured from the packets)', async () => {
    const p = await probeMedia(await makeVideo({ codec: 'vp9', durationSec: 2, audio: false, noDurationHeader: true }));
    expect(p.videoCodec).toBe('vp9');
    expect(p.durationSec).toBeCloseTo(2, 1);
  });

  it('HEVC MOV', async () => {
    const p = await probeMedia(await makeVideo({ codec: 'hevc', durationSec: 1 }));
    expect(p).toMatchObject({ videoCodec: 'hevc', hasAudio: true });
    expect(p.formatName).toContain('mov');
    expect(p.durationSec).toBeCloseTo(1, 1);
  });

  it('mp4 with the moov atom at the end', async () => {
    const path = await makeVideo({ faststart: false });
    const atoms = await topLevelAtoms(path);
    expect(atoms.indexOf('moov')).toBeGreaterThan(atoms.indexOf('mdat'));
    const p = await probeMedia(path);
    expect(p.durationSec).toBeCloseTo(2, 1);
  });

  it('a path that looks like a URL is read as a file', async () => {
    // ffmpeg would take `http:...` as a protocol without the file: prefix.
    await expect(probeMedia('http://127.0.0.1:9/x.mp4')).rejects.toMatchObject({ code: 'unsupported_media' });
  });
});

describe('probeMedia refusals', () => {
  it.each([
    ['HTML', makeHtml],
    ['a PNG image', makeImage],
    ['a one-frame GIF', makeStillGif],
    ['audio only (m4a)', makeAudioOnly],
    ['an empty file', makeEmpty],
    ['a truncated mp4 (moov at the end, cut in half)', makeTruncated],
    ['garbage bytes', makeGarbage],
  ])('%s: unsupported_media', async (_name, make) => {
    const e = await refusal(await make());
    expect(e.code).toBe('unsupported_media');
    expect(e.message).not.toMatch(/\/tmp|ffprobe/); // nothing internal in the client message
  });

  it('a missing file: unsupported_media', async () => {
    expect((await refusal('/nonexistent/video.mp4')).code).toBe('unsupported_media');
  });

  it('a missing ffprobe: internal_error for what only ffprobe reads', async () => {
    const e = await probeMedia(await makeVideo({ codec: 'vp9' }), { ffprobePath: '/nonexistent/ffprobe' }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'internal_error' });
  });

  it('a plain H.264 MP4 is read without starting ffprobe at all', async () => {
    const p = await probeMedia(await makeVideo(), { ffprobePath: '/nonexistent/ffprobe' });
    expect(p).toMatchObject({ videoCodec: 'h264', width: 320, height: 180 });
  });
});

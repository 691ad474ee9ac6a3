import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { inspectProbe, normaliseQuarterTurns, parseProbe, readRotation } from '../../src/media/probe-parse.js';

const h264 = (over: Record<string, unknown> = {}) => ({
  index: 0,
  codec_name: 'h264',
  codec_type: 'video',
  width: 1920,
  height: 1080,
  sample_aspect_ratio: '1:1',
  r_frame_rate: '30000/1001',
  avg_frame_rate: '30000/1001',
  duration: '10.010000',
  nb_frames: '300',
  disposition: { default: 1, attached_pic: 0 },
  ...over,
});
const aac = { index: 1, codec_name: 'aac', codec_type: 'audio', duration: '10.5', disposition: { default: 1 } };
const mp4 = (streams: unknown[], format: Record<string, unknown> = {}) => ({
  streams,
  format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '10.500000', ...format },
});

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return (e as AppError).code;
  }
  throw new Error('did not throw');
}

describe('parseProbe', () => {
  it('reads a plain H.264 + AAC mp4', () => {
    expect(parseProbe(mp4([h264(), aac]))).toEqual({
      durationSec: 10.01,
      width: 1920,
      height: 1080,
      displayWidth: 1920,
      displayHeight: 1080,
      rotation: 0,
      videoCodec: 'h264',
      hasAudio: true,
      formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
      fps: 30000 / 1001,
      videoStreamIndex: 0,
    });
  });

  it("takes the video stream's duration, else the container's", () => {
    expect(parseProbe(mp4([h264()])).durationSec).toBe(10.01);
    expect(parseProbe(mp4([h264({ duration: undefined }), aac])).durationSec).toBe(10.5);
    expect(parseProbe(mp4([h264({ duration: 'N/A' })])).durationSec).toBe(10.5);
  });

  it('reads the Matroska DURATION tag of the video stream', () => {
    const json = {
      streams: [h264({ codec_name: 'vp9', duration: undefined, tags: { DURATION: '00:00:02.007000000' } })],
      format: { format_name: 'matroska,webm', duration: '3.008000' },
    };
    expect(parseProbe(json).durationSec).toBeCloseTo(2.007, 6);
  });

  it('tells a missing duration apart (inspectProbe) and refuses it in parseProbe', () => {
    const json = { streams: [h264({ duration: undefined })], format: { format_name: 'matroska,webm' } };
    expect(inspectProbe(json).durationSec).toBeNull();
    expect(code(() => parseProbe(json))).toBe('unsupported_media');
  });

  it('reads rotation from the display matrix (counter-clockwise in ffprobe) as clockwise', () => {
    const rotated = (r: number) => h264({ side_data_list: [{ side_data_type: 'Display Matrix', displaymatrix: '...', rotation: r }] });
    const p = parseProbe(mp4([rotated(-90)]));
    expect(p.rotation).toBe(90);
    expect([p.displayWidth, p.displayHeight]).toEqual([1080, 1920]);
    expect([p.width, p.height]).toEqual([1920, 1080]);
    expect(parseProbe(mp4([rotated(90)])).rotation).toBe(270);
    expect(parseProbe(mp4([rotated(180)])).rotation).toBe(180);
    expect(parseProbe(mp4([rotated(-180)])).rotation).toBe(180);
    const upside = parseProbe(mp4([rotated(180)]));
    expect([upside.displayWidth, upside.displayHeight]).toEqual([1920, 1080]);
  });

  it('reads the legacy rotate tag (clockwise) when there is no display matrix', () => {
    expect(readRotation({ tags: { rotate: '90' } })).toBe(90);
    expect(readRotation({ tags: { rotate: '270' } })).toBe(270);
    expect(readRotation({ tags: { rotate: '-90' } })).toBe(270);
    expect(readRotation({ tags: { rotate: 'x' } })).toBe(0);
    expect(readRotation({ tags: { rotate: '90' }, side_data_list: [{ rotation: 0 }] })).toBe(0);
    expect(readRotation({})).toBe(0);
  });

  it('normalises angles to quarter turns', () => {
    expect([0, 89.9, -90, 360, 450, -270, 179].map(normaliseQuarterTurns)).toEqual([0, 90, 270, 0, 90, 90, 180]);
  });

  it('applies the sample aspect ratio to the display size', () => {
    const p = parseProbe(mp4([h264({ width: 720, height: 480, sample_aspect_ratio: '32:27' })]));
    expect([p.displayWidth, p.displayHeight]).toEqual([853, 480]);
    const q = parseProbe(mp4([h264({ width: 720, height: 480, sample_aspect_ratio: '0:1' })]));
    expect([q.displayWidth, q.displayHeight]).toEqual([720, 480]);
  });

  it('prefers the default video stream, never cover art, and reports its index', () => {
    const cover = h264({ index: 0, codec_name: 'mjpeg', nb_frames: '1', disposition: { default: 0, attached_pic: 1 } });
    const p = parseProbe(mp4([cover, { ...aac, index: 1 }, h264({ index: 2 })]));
    expect(p.videoStreamIndex).toBe(2);
    expect(p.videoCodec).toBe('h264');
  });

  it('uses r_frame_rate when avg_frame_rate is 0/0', () => {
    expect(parseProbe(mp4([h264({ avg_frame_rate: '0/0', r_frame_rate: '25/1' })])).fps).toBe(25);
  });

  it('reports hasAudio false without an audio stream', () => {
    expect(parseProbe(mp4([h264()])).hasAudio).toBe(false);
  });

  describe('refusals', () => {
    it('no streams, no format, not JSON objects: unsupported_media', () => {
      expect(code(() => parseProbe({}))).toBe('unsupported_media');
      expect(code(() => parseProbe({ streams: [], format: {} }))).toBe('unsupported_media');
      expect(code(() => parseProbe(null))).toBe('unsupported_media');
      expect(code(() => parseProbe([1, 2]))).toBe('unsupported_media');
    });
    it('audio only: unsupported_media, with a clear message', () => {
      let msg = '';
      try {
        parseProbe(mp4([aac]));
      } catch (e) {
        msg = (e as Error).message;
      }
      expect(msg).toMatch(/no video stream/i);
      expect(code(() => parseProbe(mp4([aac])))).toBe('unsupported_media');
    });
    it('audio with cover art only: unsupported_media', () => {
      const cover = h264({ codec_name: 'mjpeg', nb_frames: '1', disposition: { attached_pic: 1 } });
      expect(code(() => parseProbe(mp4([aac, cover])))).toBe('unsupported_media');
    });
    it('still images: unsupported_media', () => {
      const img = (fmt: string, codec: string) => ({
        streams: [h264({ codec_name: codec, duration: undefined, nb_frames: undefined })],
        format: { format_name: fmt, duration: '0.04' },
      });
      for (const [fmt, c] of [
        ['image2', 'mjpeg'],
        ['png_pipe', 'png'],
        ['jpeg_pipe', 'mjpeg'],
        ['webp_pipe', 'webp'],
        ['image2pipe', 'png'],
      ]) {
        expect(code(() => parseProbe(img(fmt, c)))).toBe('unsupported_media');
      }
      const gif = { streams: [h264({ codec_name: 'gif', nb_frames: '1', duration: '0.1' })], format: { format_name: 'gif', duration: '0.1' } };
      expect(code(() => parseProbe(gif))).toBe('unsupported_media');
      const animated = { ...gif, streams: [h264({ codec_name: 'gif', nb_frames: '20', duration: '2' })] };
      expect(parseProbe(animated).durationSec).toBe(2);
    });
    it('a video stream without a codec or size: unsupported_media', () => {
      expect(code(() => parseProbe(mp4([h264({ codec_name: undefined })])))).toBe('unsupported_media');
      expect(code(() => parseProbe(mp4([h264({ width: 0, height: 0 })])))).toBe('unsupported_media');
    });
    it('more than 8192x8192 pixels, or a side over 16384: media_too_large', () => {
      expect(parseProbe(mp4([h264({ width: 8192, height: 8192 })])).width).toBe(8192);
      expect(code(() => parseProbe(mp4([h264({ width: 8193, height: 8192 })])))).toBe('media_too_large');
      expect(code(() => parseProbe(mp4([h264({ width: 16385, height: 16 })])))).toBe('media_too_large');
    });
  });
});

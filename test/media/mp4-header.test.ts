import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeResult } from '../../src/characters/ports.js';
import { openRangeSource } from '../../src/fetch/range-source.js';
import { type ByteSource, openByteSource } from '../../src/media/container/byte-source.js';
import { parseSps } from '../../src/media/container/h264-sps.js';
import { readMp4Header } from '../../src/media/container/mp4-header.js';
import { probeMedia } from '../../src/media/probe.js';
import { startFileServer } from '../support/file-server.js';
import { makeAudioOnly, makeGarbage, makeTruncated, makeVideo } from '../support/videos.js';

const exec = promisify(execFile);
const FFMPEG = process.env.FFMPEG_PATH || 'ffmpeg';

async function header(path: string): Promise<Record<string, unknown> | null> {
  const src = (await openByteSource(path))!;
  try {
    return await readMp4Header(src);
  } finally {
    await src.close();
  }
}

function expectSameFacts(fast: ProbeResult, slow: ProbeResult) {
  const { durationSec: a, fps: fa, ...restFast } = fast;
  const { durationSec: b, fps: fb, ...restSlow } = slow;
  expect(restFast).toEqual(restSlow);
  expect(Math.abs(a - b)).toBeLessThan(0.001);
  expect(Math.abs(fa - fb)).toBeLessThan(0.01);
}

let dir: string;
/** An H.264 MP4 encoded like a camera or a web video: B-frames (so an edit list), given SAR/fps. */
async function encode(name: string, extra: string[], vf = 'null', seconds = 2): Promise<string> {
  const out = join(dir, name);
  await exec(FFMPEG, [
    '-hide_banner',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=s=640x360:r=30:d=${seconds}`,
    '-f',
    'lavfi',
    '-i',
    `sine=d=${seconds}`,
    '-vf',
    vf,
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-shortest',
    ...extra,
    out,
  ]);
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sc-mp4-header-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('in-process MP4 header: the same facts as ffprobe', () => {
  const cases: Array<[string, () => Promise<string>]> = [
    ['landscape with audio', () => makeVideo({ width: 320, height: 180 })],
    ['portrait without audio', () => makeVideo({ width: 180, height: 320, audio: false })],
    ['moov at the end', () => makeVideo({ faststart: false })],
    ['rotated 90', () => makeVideo({ rotate: 90, audio: false })],
    ['rotated 180', () => makeVideo({ rotate: 180 })],
    ['rotated 270', () => makeVideo({ rotate: 270, audio: false })],
    ['B-frames and an edit list, faststart', () => encode('bframes.mp4', ['-movflags', '+faststart'])],
    ['odd size, cropped SPS, 30 fps', () => encode('odd.mp4', [], 'scale=642:362,setsar=1')],
    ['a MOV from the mov muxer', () => encode('camera.mov', [])],
    ['the audio track first', () => encode('audio-first.mp4', ['-map', '1:a', '-map', '0:v'])],
  ];

  it.each(cases)('%s', async (_name, make) => {
    const path = await make();
    expect(await header(path)).not.toBeNull();
    const fast = await probeMedia(path);
    const slow = await probeMedia(path, { inProcessHeader: false });
    expectSameFacts(fast, slow);
  });

  it('reads a remote source through the range relay, only its header', async () => {
    const path = await encode('remote.mp4', ['-movflags', '+faststart']);
    const server = await startFileServer({ 'v.mp4': { path, type: 'video/mp4' } });
    const range = await openRangeSource(server.url('v.mp4'), { maxBytes: 1e9, timeoutMs: 10_000, allowPrivate: true, maxRedirects: 0 }, { minBytes: 0 });
    try {
      const fast = await probeMedia(range!.localUrl);
      expectSameFacts(fast, await probeMedia(path, { inProcessHeader: false }));
      expect(range!.bytesRead()).toBeLessThanOrEqual(64 * 1024);
    } finally {
      await range!.close();
      await server.close();
    }
  });
});

describe('in-process MP4 header: what it leaves to ffprobe', () => {
  it.each([
    ['HEVC', () => makeVideo({ codec: 'hevc', durationSec: 1 })],
    ['VP9 WebM', () => makeVideo({ codec: 'vp9' })],
    ['a truncated mp4', makeTruncated],
    ['garbage', makeGarbage],
    ['audio only', makeAudioOnly],
    ['non-square pixels (SAR in the SPS)', () => encode('anamorphic.mp4', [], 'setsar=4/3')],
    ['fragmented MP4', () => encode('fragmented.mp4', ['-movflags', 'frag_keyframe+empty_moov'])],
  ])('%s', async (_name, make) => {
    const path = await make();
    const json = await header(path);
    if (json === null) return;
    // Audio only is read, and then refused by the same rule as ffprobe's answer.
    expect((json.streams as Array<{ codec_type: string }>).some((s) => s.codec_type === 'video')).toBe(false);
  });

  it('still gives the right display size for non-square pixels, through ffprobe', async () => {
    const p = await probeMedia(await encode('anamorphic2.mp4', [], 'setsar=4/3'));
    expect([p.width, p.height, p.displayWidth, p.displayHeight]).toEqual([640, 360, 853, 360]);
  });

  it('a file cut inside its media data is refused as before', async () => {
    const path = await encode('cut.mp4', ['-movflags', '+faststart']);
    const bytes = await readFile(path);
    const cut = join(dir, 'cut-half.mp4');
    await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    expect(await header(cut)).toBeNull();
  });

  it('never throws on damaged headers, whatever the damage', async () => {
    const bytes = await readFile(await encode('fuzz.mp4', ['-movflags', '+faststart']));
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const moovEnd = Math.min(bytes.length, 8192);
    let read = 0;
    for (let i = 0; i < 400; i++) {
      const copy = Buffer.from(bytes);
      for (let k = 0; k < 1 + Math.floor(rand() * 4); k++) copy[Math.floor(rand() * moovEnd)] = Math.floor(rand() * 256);
      const src: ByteSource = {
        size: copy.length,
        read: async (o, n) => copy.subarray(o, Math.min(copy.length, o + n)),
        close: async () => {},
      };
      const json = await readMp4Header(src);
      if (json) read++;
    }
    // Most single-byte damage lands in fields that do not matter; some is caught.
    expect(read).toBeGreaterThan(0);
    expect(read).toBeLessThan(400);
  });
});

describe('H.264 SPS', () => {
  it('reads size, cropping and the sample aspect ratio', () => {
    // 1280x720 High profile, VUI with aspect_ratio_idc 1 (x264 output).
    const sps = Buffer.from('6764001facd9405005bb0110000003001000000303c0f1831960', 'hex');
    expect(parseSps(sps)).toEqual({ width: 1280, height: 720, sar: [1, 1] });
  });

  it('is null for what is not an SPS, or ends early', () => {
    expect(parseSps(Buffer.from('68ee3cb0', 'hex'))).toBeNull(); // a PPS
    expect(parseSps(Buffer.from('6764001f', 'hex'))).toBeNull();
  });
});

import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RgbFrame } from '../../src/characters/ports.js';
import { AppError } from '../../src/errors.js';
import { defaultBinaries } from '../../src/ffmpeg/binaries.js';
import { probeMedia } from '../../src/media/probe.js';
import { extractWindow } from '../../src/media/window.js';
import { makeVideo, topLevelAtoms } from '../support/videos.js';

const exec = promisify(execFile);
const { ffmpeg, ffprobe } = defaultBinaries();

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'window-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
const clipPath = () => join(dir, `clip-${n++}.mp4`);

async function run(src: string, startSec: number, endSec: number, extra: { frameFps?: number; frameMaxSide?: number } = {}) {
  const probe = await probeMedia(src);
  const frames: RgbFrame[] = [];
  const out = clipPath();
  const result = await extractWindow(src, probe, { startSec, endSec, clipPath: out, ...extra }, (f) => {
    frames.push(f);
  });
  return { probe, frames, out, result };
}

/** The clip as ffprobe sees it, raw. */
async function ffprobeJson(path: string) {
  const { stdout } = await exec(ffprobe, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', path]);
  return JSON.parse(stdout) as {
    format: { duration: string; format_name: string };
    streams: Array<{
      codec_type: string;
      codec_name: string;
      width?: number;
      height?: number;
      pix_fmt?: string;
      side_data_list?: unknown[];
      tags?: Record<string, string>;
    }>;
  };
}

/** Mean RGB of a w x h box of the first decoded frame of a clip at `size`. */
async function clipPixel(path: string, width: number, height: number, x: number, y: number): Promise<number[]> {
  const { stdout } = await exec(ffmpeg, ['-v', 'error', '-i', path, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], {
    encoding: 'buffer',
    maxBuffer: 64 << 20,
  });
  return pixel({ width, height, data: stdout, timeSec: 0 }, x, y);
}

function pixel(f: RgbFrame, x: number, y: number): number[] {
  const i = (Math.floor(y) * f.width + Math.floor(x)) * 3;
  return [f.data[i], f.data[i + 1], f.data[i + 2]];
}
const isRed = ([r, g, b]: number[]) => r > 180 && g < 80 && b < 80;
const isBlue = ([r, g, b]: number[]) => b > 180 && r < 80 && g < 80;

describe('extractWindow', () => {
  it('writes an H.264 MP4 clip of the window, faststart, audio kept, and ~fps*duration frames', async () => {
    const { frames, out, result } = await run(await makeVideo({ durationSec: 4, width: 640, height: 360 }), 1, 3);
    const j = await ffprobeJson(out);
    const v = j.streams.find((s) => s.codec_type === 'video')!;
    expect(v.codec_name).toBe('h264');
    expect(v.pix_fmt).toBe('yuv420p');
    expect([v.width, v.height]).toEqual([640, 360]);
    expect(Math.abs(Number(j.format.duration) - 2)).toBeLessThanOrEqual(0.1);
    expect(j.streams.find((s) => s.codec_type === 'audio')?.codec_name).toBe('aac');

    const atoms = await topLevelAtoms(out);
    expect(atoms.indexOf('moov')).toBeGreaterThan(-1);
    expect(atoms.indexOf('moov')).toBeLessThan(atoms.indexOf('mdat'));

    expect(result.clip).toMatchObject({ width: 640, height: 360, hasAudio: true });
    expect(Math.abs(result.clip.durationSec - 2)).toBeLessThanOrEqual(0.1);
    expect(result.frameCount).toBe(frames.length);
    expect(Math.abs(frames.length - 16)).toBeLessThanOrEqual(1);
    for (const f of frames) {
      expect([f.width, f.height]).toEqual([640, 360]);
      expect(f.data.length).toBe(640 * 360 * 3);
    }
    // Source times, from the window start at 1/fps steps.
    expect(frames[0].timeSec).toBeCloseTo(1, 6);
    expect(frames[1].timeSec).toBeCloseTo(1.125, 6);
    expect(frames[frames.length - 1].timeSec).toBeLessThan(3);
  });

  it('has no audio stream when the source had none', async () => {
    const { out, result } = await run(await makeVideo({ durationSec: 2, audio: false }), 0, 1.5);
    const j = await ffprobeJson(out);
    expect(j.streams.some((s) => s.codec_type === 'audio')).toBe(false);
    expect(result.clip.hasAudio).toBe(false);
    expect(Math.abs(result.clip.durationSec - 1.5)).toBeLessThanOrEqual(0.1);
  });

  it.each([
    [90, 'top-right'],
    [270, 'bottom-left'],
    [180, 'bottom-right'],
  ] as const)('turns a source rotated %i degrees upright (red corner at the %s), with no rotation left', async (rotate, corner) => {
    const src = await makeVideo({ source: 'corner', width: 320, height: 180, rotate, durationSec: 1, audio: false });
    const { frames, out, result } = await run(src, 0, 1);
    const [w, h] = rotate === 180 ? [320, 180] : [180, 320];
    expect([result.clip.width, result.clip.height]).toEqual([w, h]);

    const j = await ffprobeJson(out);
    const v = j.streams.find((s) => s.codec_type === 'video')!;
    expect([v.width, v.height]).toEqual([w, h]);
    expect(v.side_data_list ?? []).toEqual([]);
    expect(v.tags?.rotate).toBeUndefined();
    expect((await probeMedia(out)).rotation).toBe(0);

    const at = {
      'top-right': [w - 10, 10],
      'bottom-left': [10, h - 10],
      'bottom-right': [w - 10, h - 10],
    }[corner];
    // The clip is physically upright...
    expect(isRed(await clipPixel(out, w, h, at[0], at[1]))).toBe(true);
    expect(isBlue(await clipPixel(out, w, h, 10, 10))).toBe(true);
    // ...and so are the frames.
    const f = frames[0];
    expect([f.width, f.height]).toEqual([w, h]);
    expect(isRed(pixel(f, at[0], at[1]))).toBe(true);
    expect(isBlue(pixel(f, 10, 10))).toBe(true);
  });

  it('keeps a 1440p source within 1080p, frames within frameMaxSide', async () => {
    const src = await makeVideo({ width: 2560, height: 1440, durationSec: 1, fps: 10, audio: false, source: 'color' });
    const { frames, result } = await run(src, 0, 1, { frameMaxSide: 480, frameFps: 5 });
    expect([result.clip.width, result.clip.height]).toEqual([1920, 1080]);
    expect([frames[0].width, frames[0].height]).toEqual([480, 270]);
    expect(Math.abs(frames.length - 5)).toBeLessThanOrEqual(1);
  });

  it('handles a portrait source within 1080x1920', async () => {
    const src = await makeVideo({ width: 1440, height: 2560, durationSec: 1, fps: 10, audio: false, source: 'color' });
    const { frames, result } = await run(src, 0, 1);
    expect([result.clip.width, result.clip.height]).toEqual([1080, 1920]);
    expect([frames[0].width, frames[0].height]).toEqual([360, 640]);
  });

  it('works on a 2 s window at the very end of a longer source', async () => {
    const src = await makeVideo({ durationSec: 8, width: 320, height: 180 });
    const { frames, result } = await run(src, 6, 8);
    expect(Math.abs(result.clip.durationSec - 2)).toBeLessThanOrEqual(0.1);
    expect(Math.abs(frames.length - 16)).toBeLessThanOrEqual(1);
    expect(frames[0].timeSec).toBeCloseTo(6, 6);
  });

  it('reads VP9 WebM and HEVC MOV sources', async () => {
    for (const codec of ['vp9', 'hevc'] as const) {
      const { result, out } = await run(await makeVideo({ codec, durationSec: 2 }), 0.5, 1.5);
      expect(Math.abs(result.clip.durationSec - 1)).toBeLessThanOrEqual(0.1);
      expect(result.clip.hasAudio).toBe(true);
      expect((await ffprobeJson(out)).streams.find((s) => s.codec_type === 'video')?.codec_name).toBe('h264');
    }
  });

  it('hands frames over while ffmpeg still runs, and holds ffmpeg back while onFrame is pending', async () => {
    const src = await makeVideo({ durationSec: 3, width: 640, height: 360 });
    const probe = await probeMedia(src);
    const out = clipPath();
    const atomsAtFirstFrame: string[][] = [];
    let calls = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    const result = await extractWindow(src, probe, { startSec: 0, endSec: 3, clipPath: out }, async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if (calls++ === 0) {
        await new Promise((r) => setTimeout(r, 700));
        // Still running: the clip is not finished (faststart writes moov last).
        atomsAtFirstFrame.push(await topLevelAtoms(out).catch(() => []));
      }
      inFlight--;
    });
    expect(atomsAtFirstFrame[0]).not.toContain('moov');
    expect(maxInFlight).toBe(1);
    expect(result.frameCount).toBe(calls);
    expect(await topLevelAtoms(out)).toContain('moov');
  });

  it("stops ffmpeg and rethrows onFrame's error", async () => {
    const src = await makeVideo({ durationSec: 2 });
    const boom = new Error('analysis failed');
    await expect(
      extractWindow(src, await probeMedia(src), { startSec: 0, endSec: 2, clipPath: clipPath() }, () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
  });

  it('stops on abort', async () => {
    const src = await makeVideo({ durationSec: 2 });
    const ac = new AbortController();
    const p = extractWindow(
      src,
      await probeMedia(src),
      { startSec: 0, endSec: 2, clipPath: clipPath() },
      async () => {
        ac.abort();
        await new Promise((r) => setTimeout(r, 50));
      },
      ac.signal,
    );
    await expect(p).rejects.toMatchObject({ name: 'MediaToolError', kind: 'aborted' });
  });

  it('refuses an empty window', async () => {
    const src = await makeVideo({ durationSec: 2 });
    const e = await extractWindow(src, await probeMedia(src), { startSec: 1, endSec: 1, clipPath: clipPath() }, () => {}).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AppError);
  });
});

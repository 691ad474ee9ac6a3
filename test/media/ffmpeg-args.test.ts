import { describe, expect, it } from 'vitest';
import { inputLimitArgs } from '../../src/ffmpeg/limits.js';
import { fileUrl, safeInputArgs, VIDEO_DEMUXERS } from '../../src/media/ffmpeg/input-args.js';
import { buildDurationScanArgs, buildProbeArgs } from '../../src/media/ffmpeg/probe-args.js';
import { clipSizeFor, fitWithin, frameSizeFor } from '../../src/media/ffmpeg/scale.js';
import { buildWindowArgs, buildWindowFilterGraph, planWindow } from '../../src/media/window.js';

const probe = { displayWidth: 1280, displayHeight: 720, rotation: 0, videoStreamIndex: 0 };

describe('fitWithin / clip and frame sizes', () => {
  it('never upscales', () => {
    expect(fitWithin({ width: 320, height: 180 }, { width: 1920, height: 1080 }, true)).toEqual({ width: 320, height: 180 });
  });
  it('keeps a 4K landscape source within 1920x1080', () => {
    expect(clipSizeFor({ width: 3840, height: 2160 })).toEqual({ width: 1920, height: 1080 });
    expect(clipSizeFor({ width: 2560, height: 1440 })).toEqual({ width: 1920, height: 1080 });
  });
  it('keeps a portrait source within 1080x1920', () => {
    expect(clipSizeFor({ width: 2160, height: 3840 })).toEqual({ width: 1080, height: 1920 });
    expect(clipSizeFor({ width: 720, height: 1280 })).toEqual({ width: 720, height: 1280 });
  });
  it('binds by the short side on wide-but-short-limited shapes', () => {
    // 4:3 at 2880x2160: the short side (1080) binds, not the long one.
    expect(clipSizeFor({ width: 2880, height: 2160 })).toEqual({ width: 1440, height: 1080 });
  });
  it('makes clip sides even', () => {
    const s = clipSizeFor({ width: 321, height: 181 });
    expect(s.width % 2).toBe(0);
    expect(s.height % 2).toBe(0);
    const big = clipSizeFor({ width: 4001, height: 2251 });
    expect((big.width % 2) + (big.height % 2)).toBe(0);
    expect(big.width).toBeLessThanOrEqual(1920);
    expect(big.height).toBeLessThanOrEqual(1080);
  });
  it('scales frames so the long side is at most frameMaxSide', () => {
    expect(frameSizeFor({ width: 1920, height: 1080 }, 640)).toEqual({ width: 640, height: 360 });
    expect(frameSizeFor({ width: 1080, height: 1920 }, 640)).toEqual({ width: 360, height: 640 });
    expect(frameSizeFor({ width: 320, height: 180 }, 640)).toEqual({ width: 320, height: 180 });
  });
});

describe('planWindow', () => {
  it('takes sizes from the display size and defaults fps 8, 640 px', () => {
    const plan = planWindow({ displayWidth: 720, displayHeight: 1280, videoStreamIndex: 2 }, { startSec: 1, endSec: 3 });
    expect(plan).toEqual({
      startSec: 1,
      durationSec: 2,
      streamIndex: 2,
      clip: { width: 720, height: 1280 },
      clipFps: null,
      frames: { width: 360, height: 640 },
      frameFps: 8,
    });
  });
  it('defaults the stream index to 0', () => {
    expect(planWindow({ displayWidth: 320, displayHeight: 180 }, { startSec: 0, endSec: 1 }).streamIndex).toBe(0);
  });
});

describe('buildWindowArgs', () => {
  const plan = planWindow(probe, { startSec: 12.5, endSec: 14.75, frameFps: 10, frameMaxSide: 320 });
  const args = buildWindowArgs('/in/src.mp4', '/out/clip.mp4', plan);
  const at = (flag: string, from = 0) => args.indexOf(flag, from);

  it('seeks on the input: -ss and -t before -i', () => {
    expect(at('-ss')).toBeGreaterThan(-1);
    expect(at('-ss')).toBeLessThan(at('-i'));
    expect(at('-t')).toBeLessThan(at('-i'));
    expect(args[at('-ss') + 1]).toBe('12.5');
    expect(args[at('-t') + 1]).toBe('2.25');
  });
  it('reads the source as a plain file, through the allowed demuxers only', () => {
    expect(args[at('-i') + 1]).toBe('file:/in/src.mp4');
    expect(args.slice(0, at('-i'))).toEqual(expect.arrayContaining(safeInputArgs()));
    expect(args).not.toContain('-noautorotate');
  });
  it('decodes once and splits into the clip and the frames', () => {
    const graph = args[at('-filter_complex') + 1];
    expect(graph).toBe(buildWindowFilterGraph(plan));
    expect(graph).toBe(
      '[0:0]split=2[c][f];' +
        '[c]scale=1280:720:flags=bicubic,setsar=1,format=yuv420p[clip];' +
        '[f]fps=10,scale=320:180:flags=area,setsar=1,format=rgb24[frames]',
    );
  });
  it('encodes the clip as H.264 + AAC, faststart, no metadata, to the clip path', () => {
    const clipStart = at('[clip]', at('-filter_complex') + 2) - 1;
    const clipEnd = args.indexOf('file:/out/clip.mp4');
    const clipArgs = args.slice(clipStart, clipEnd + 1);
    expect(clipArgs.join(' ')).toContain('-map [clip] -map 0:a:0?');
    expect(clipArgs.join(' ')).toContain('-c:v libx264 -preset veryfast -crf 21');
    expect(clipArgs.join(' ')).toContain('-c:a aac');
    expect(clipArgs.join(' ')).toContain('-movflags +faststart');
    expect(clipArgs.join(' ')).toContain('-map_metadata -1');
    expect(clipArgs.join(' ')).toContain('-f mp4');
  });
  it('writes the frames as raw RGB on stdout, last', () => {
    expect(args.slice(-9).join(' ')).toBe('-map [frames] -fps_mode passthrough -c:v rawvideo -f rawvideo pipe:1');
  });
  it('never runs a shell: every value is its own argv entry', () => {
    const weird = buildWindowArgs('/in/a b;$(rm -rf x).mp4', '/out/c d.mp4', plan);
    expect(weird).toContain('file:/in/a b;$(rm -rf x).mp4');
    expect(weird).toContain('file:/out/c d.mp4');
  });
  it('uses the probed stream index', () => {
    const p = planWindow({ ...probe, videoStreamIndex: 3 }, { startSec: 0, endSec: 1 });
    expect(buildWindowFilterGraph(p).startsWith('[0:3]split=2')).toBe(true);
  });
  it('prints times as plain decimals and refuses nonsense', () => {
    const p = planWindow(probe, { startSec: 1 / 3, endSec: 2 });
    const a = buildWindowArgs('/s', '/c', p);
    expect(a[a.indexOf('-ss') + 1]).toBe('0.333333');
    expect(() => buildWindowArgs('/s', '/c', { ...p, startSec: Number.NaN })).toThrow(RangeError);
    expect(() => buildWindowArgs('/s', '/c', { ...p, startSec: -1 })).toThrow(RangeError);
  });
});

describe('buildWindowArgs without a clip (a kept clip analysed again)', () => {
  const plan = planWindow(probe, { startSec: 0, endSec: 2.5 });
  const args = buildWindowArgs('/in/clip.mp4', null, plan);

  it('decodes the frames only: no split, no encoder, one output on stdout', () => {
    const graph = args[args.indexOf('-filter_complex') + 1];
    expect(graph).toBe(buildWindowFilterGraph(plan, false));
    expect(graph).not.toContain('split');
    expect(graph).toMatch(/^\[0:\d+\]fps=8,scale=\d+:\d+:flags=area,setsar=1,format=rgb24\[frames\]$/);
    expect(args).not.toContain('libx264');
    expect(args).not.toContain('[clip]');
    expect(args.filter((a) => a === '-map')).toHaveLength(1);
    expect(args.at(-1)).toBe('pipe:1');
  });
});

describe('probe args', () => {
  it('asks for format and streams as JSON, through the allowed demuxers, on a file: URL', () => {
    expect(buildProbeArgs('/x/y.mp4')).toEqual([
      '-v',
      'error',
      '-protocol_whitelist',
      'file',
      '-format_whitelist',
      VIDEO_DEMUXERS.join(','),
      ...inputLimitArgs(),
      '-print_format',
      'json',
      '-show_format',
      '-show_streams',
      'file:/x/y.mp4',
    ]);
  });
  it('scans the packets of one stream for a missing duration', () => {
    const a = buildDurationScanArgs('/x/y.webm', 1);
    expect(a.join(' ')).toContain('-select_streams 1 -show_entries packet=pts_time,duration_time -print_format csv=p=0');
    expect(a[a.length - 1]).toBe('file:/x/y.webm');
  });
  it('allows the video containers and no playlist, concat or image demuxers', () => {
    expect(VIDEO_DEMUXERS).toEqual(expect.arrayContaining(['mov', 'matroska']));
    for (const bad of ['hls', 'dash', 'concat', 'image2', 'png_pipe', 'tee', 'lavfi']) expect(VIDEO_DEMUXERS).not.toContain(bad);
    expect(fileUrl('http://x')).toBe('file:http://x');
  });
});

describe('decoding limits in the arguments', () => {
  const valueAfter = (args: string[], flag: string, from = 0) => args[args.indexOf(flag, from) + 1];

  it('every input the service decodes, in the probe, the duration scan and the window, is bounded', () => {
    const window = buildWindowArgs('/in/src.ts', '/out/clip.mp4', planWindow(probe, { startSec: 0, endSec: 3 }));
    for (const args of [buildProbeArgs('/x/y.ts'), buildDurationScanArgs('/x/y.ts', 0), window.slice(0, window.indexOf('-i'))]) {
      expect(valueAfter(args, '-max_pixels')).toBe(String(8192 * 8192));
      expect(valueAfter(args, '-max_streams')).toBe('16');
      expect(valueAfter(args, '-probesize')).toBe('5000000');
      expect(valueAfter(args, '-analyzeduration')).toBe('5000000');
      expect(valueAfter(args, '-threads')).toBe('2');
    }
    expect(valueAfter(window, '-filter_complex_threads')).toBe('2');
    expect(valueAfter(window, '-threads', window.indexOf('libx264'))).toBe('4');
  });

  it('brings a source faster than 60 fps down to 60 in the clip, and leaves a slower one alone', () => {
    const fast = planWindow({ ...probe, fps: 1000 }, { startSec: 0, endSec: 3 });
    expect(fast.clipFps).toBe(60);
    expect(buildWindowFilterGraph(fast)).toContain('[c]fps=60,scale=');
    for (const fps of [24, 30, 59.94, 60]) {
      const plan = planWindow({ ...probe, fps }, { startSec: 0, endSec: 3 });
      expect(plan.clipFps).toBeNull();
      expect(buildWindowFilterGraph(plan)).toContain('[c]scale=');
    }
  });

  it('stops each output at the most frames its length can hold, whatever the timestamps say', () => {
    const args = buildWindowArgs('/in/src.mp4', '/out/clip.mp4', planWindow(probe, { startSec: 1, endSec: 4, frameFps: 8 }));
    const clipFile = args.indexOf('file:/out/clip.mp4');
    expect(valueAfter(args, '-frames:v', args.indexOf('[clip]'))).toBe(String(3 * 60 + 1));
    expect(args.indexOf('-frames:v', args.indexOf('[clip]'))).toBeLessThan(clipFile);
    expect(valueAfter(args, '-frames:v', clipFile)).toBe(String(3 * 8 + 1));
  });
});

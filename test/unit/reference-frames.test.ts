import { describe, expect, it } from 'vitest';
import type { RgbFrame } from '../../src/characters/ports.js';
import { buildReferenceArgs } from '../../src/media/ffmpeg/reference-args.js';
import { pickReferenceFrames, referencePlan, type ScoredFrame, spanOf } from '../../src/media/reference-frames.js';

const FPS = 8;
/** One analysis frame per 1/8 s from `start`, each with its sharpness. */
function window(start: number, sharpness: number[]): ScoredFrame[] {
  return sharpness.map((whole, i) => ({ frame: { timeSec: start + i / FPS, width: 2, height: 2, data: Buffer.alloc(12) } as RgbFrame, whole }));
}
const times = (frames: RgbFrame[]) => frames.map((f) => f.timeSec);
const sharpest = (w: ScoredFrame[]) => w.reduce((a, b) => (b.whole > a.whole ? b : a)).frame;

describe('referencePlan', () => {
  it('gives 2 frames to a 1 s window, 3 to 2 s, 4 to 3 s, and spaces them by the window over the count', () => {
    expect(referencePlan(1)).toEqual({ count: 2, minGapSec: 0.5 });
    expect(referencePlan(2)).toEqual({ count: 3, minGapSec: 2 / 3 });
    expect(referencePlan(3)).toEqual({ count: 4, minGapSec: 0.75 });
    expect(referencePlan(10).count).toBe(4);
    expect(referencePlan(0).count).toBe(2);
  });

  it('measures the span of steady frames to one interval past the last', () => {
    expect(spanOf(window(1, new Array(24).fill(1)))).toBeCloseTo(3);
    expect(spanOf(window(1, [1]))).toBe(0);
  });
});

describe('pickReferenceFrames', () => {
  it('keeps the chosen frame and the sharpest others far enough apart, in time order', async () => {
    // 3 s: the sharpest frames bunch at the start; the picks must still spread.
    const sharp = [100, 99, 98, 97, 96, 95, 10, 10, 10, 50, 10, 10, 10, 10, 10, 60, 10, 10, 10, 10, 10, 70, 10, 10];
    const w = window(1, sharp);
    const picked = await pickReferenceFrames(w, w[0].frame, async () => true);
    expect(picked).toHaveLength(4);
    expect(times(picked)).toEqual([...times(picked)].sort((a, b) => a - b));
    expect(picked[0]).toBe(w[0].frame);
    const gaps = times(picked)
      .slice(1)
      .map((t, i) => t - times(picked)[i]);
    for (const g of gaps) expect(g).toBeGreaterThanOrEqual(0.75 - 1e-9);
  });

  it('passes over blurred frames while sharp ones are far enough apart', async () => {
    // 2 s; frames 8..15 are blurred (sharpness 5 of 100).
    const w = window(0, [100, 90, 80, 70, 60, 50, 40, 30, 5, 5, 5, 5, 5, 5, 5, 5]);
    const picked = await pickReferenceFrames(w, w[0].frame, async () => true);
    for (const f of picked) expect(f.timeSec).toBeLessThan(1);
    expect(picked.length).toBeGreaterThanOrEqual(2);
  });

  it('asks whether a frame shows the subject only of frames that pass the other tests, and keeps only those that do', async () => {
    const w = window(0, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 90, 80, 70, 60, 50, 40, 30, 20, 40, 5, 5, 5, 5, 5]);
    const asked: number[] = [];
    const withFace = new Set([0.5, 1.25, 2.25].map((t) => Math.round(t * FPS)));
    const chosen = w[Math.round(1.25 * FPS)].frame;
    const picked = await pickReferenceFrames(w, chosen, async (f) => {
      asked.push(f.timeSec);
      return withFace.has(Math.round(f.timeSec * FPS));
    });
    expect(times(picked)).toEqual([0.5, 1.25, 2.25]);
    // Never a frame within the gap of one already kept.
    for (const t of asked) expect(Math.abs(t - 1.25)).toBeGreaterThanOrEqual(0.375 - 1e-9);
  });

  it('a subject seen in one frame only still gets a second reference: the sharpest one half a gap away', async () => {
    const w = window(0, [50, 60, 70, 100, 70, 60, 50, 40]);
    const picked = await pickReferenceFrames(w, sharpest(w), async (f) => f === sharpest(w));
    expect(picked).toHaveLength(2);
    expect(picked).toContain(sharpest(w));
    expect(Math.abs(picked[0].timeSec - picked[1].timeSec)).toBeGreaterThanOrEqual(0.25 - 1e-9);
  });

  it('a single frame is all a one-frame window gives', async () => {
    const w = window(0, [7]);
    expect(await pickReferenceFrames(w, w[0].frame, async () => true)).toEqual([w[0].frame]);
  });
});

describe('buildReferenceArgs', () => {
  it('selects the frames on the analysis grid from the clip, raw RGB on stdout, and the audio as MP3', () => {
    const args = buildReferenceArgs('/tmp/x/clip.mp4', { frameIndexes: [0, 7, 19], frameFps: 8, voicePath: '/tmp/x/voice.mp3' });
    expect(args).toContain('file:/tmp/x/clip.mp4');
    expect(args[args.indexOf('-filter_complex') + 1]).toBe('[0:v:0]fps=8,select=eq(n\\,0)+eq(n\\,7)+eq(n\\,19),format=rgb24[refs]');
    expect(args[args.indexOf('-frames:v') + 1]).toBe('3');
    expect(args.slice(args.indexOf('pipe:1') - 2, args.indexOf('pipe:1') + 1)).toEqual(['-f', 'rawvideo', 'pipe:1']);
    expect(args.slice(-13)).toEqual([
      '-map',
      '0:a:0',
      '-c:a',
      'libmp3lame',
      '-b:a',
      '128k',
      '-ar',
      '44100',
      '-map_metadata',
      '-1',
      '-f',
      'mp3',
      'file:/tmp/x/voice.mp3',
    ]);
    expect(args.at(-1)).toBe('file:/tmp/x/voice.mp3');
    // Only local files, only video containers.
    expect(args[args.indexOf('-protocol_whitelist') + 1]).toBe('file');
  });

  it('asks for no audio output without a voice path', () => {
    const args = buildReferenceArgs('/tmp/clip.mp4', { frameIndexes: [3], frameFps: 8, voicePath: null });
    expect(args).not.toContain('libmp3lame');
    expect(args.at(-1)).toBe('pipe:1');
  });

  it('refuses indexes that are not ascending non-negative integers', () => {
    for (const bad of [[], [2, 1], [1, 1], [-1], [0.5]]) {
      expect(() => buildReferenceArgs('/tmp/clip.mp4', { frameIndexes: bad, frameFps: 8, voicePath: null })).toThrow(RangeError);
    }
  });
});

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPreviewArgs, buildRenderArgs, type RenderInputs } from '../../src/engines/local/args.js';
import { createLocalEngine } from '../../src/engines/local/index.js';
import { planLayout } from '../../src/engines/local/layout.js';
import type { RenderCharacter, RenderRequest } from '../../src/engines/ports.js';

const run = promisify(execFile);
const FFMPEG = process.env.FFMPEG_PATH || 'ffmpeg';
const MAX_PIXELS = String(8192 * 8192);

/** The input options of every `-i` of a command: the arguments since the previous input or the start. */
function inputOptions(args: string[]): string[][] {
  const groups: string[][] = [];
  let from = 0;
  args.forEach((a, i) => {
    if (a !== '-i') return;
    groups.push(args.slice(from, i));
    from = i + 2;
  });
  return groups;
}

describe('local engine: every ffmpeg input it decodes is bounded', () => {
  const inputs: RenderInputs = {
    promptTextFile: '/w/s/prompt.txt',
    promptFontSize: 40,
    promptLineSpacing: 8,
    footerTextFile: '/w/s/footer.txt',
    referencePng: '/w/s/reference.png',
    remixVideo: '/r/remix.mp4',
    characters: [0, 1].map((i) => ({ clip: `/c/clip${i}.mp4`, portraitPng: `/w/s/portrait-${i}.png`, captionTextFile: `/w/s/caption-${i}.txt` })),
    fontFile: null,
  };

  it('render and previews: -max_pixels on each input, and the encoders and filters use a bounded number of threads', () => {
    const render = buildRenderArgs({ width: 720, height: 1280, seconds: 4, layout: planLayout(720, 1280, 2), inputs }, '/w/video.mp4');
    const previews = buildPreviewArgs({
      videoPath: '/w/video.mp4',
      width: 720,
      height: 1280,
      seconds: 4,
      thumbnailPath: '/w/t.webp',
      spritesheetPath: '/w/s.jpg',
    });
    for (const args of [render, previews]) {
      const groups = inputOptions(args);
      expect(groups.length).toBeGreaterThan(0);
      for (const opts of groups) {
        expect(opts[opts.indexOf('-max_pixels') + 1]).toBe(MAX_PIXELS);
        expect(opts).toContain('-threads');
      }
      expect(args).toContain('-filter_complex_threads');
    }
    expect(inputOptions(render)).toHaveLength(6);
    expect(render.slice(render.indexOf('libx264'))).toContain('-threads');
  });
});

describe('local engine: time and memory limits', () => {
  let root: string;
  let chars: RenderCharacter[];
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'engine-limits-'));
    const fx = join(root, 'fixtures');
    await mkdir(fx);
    await run(FFMPEG, [
      '-v',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=360x640:r=30:d=1',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      '-y',
      join(fx, 'clip.mp4'),
    ]);
    await sharp({ create: { width: 256, height: 256, channels: 3, background: '#2980b9' } })
      .webp()
      .toFile(join(fx, 'portrait.webp'));
    chars = [
      {
        id: 'ch_0',
        username: 'marina.lee',
        displayName: 'Marina',
        clipPath: join(fx, 'clip.mp4'),
        portraitPath: join(fx, 'portrait.webp'),
        framePaths: [],
        voicePath: null,
      },
    ];
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const request = (name: string): RenderRequest => ({
    taskId: name,
    prompt: 'A quiet harbour at dawn.',
    width: 1280,
    height: 720,
    seconds: 12,
    inputReferencePath: null,
    characters: chars,
    remixOfVideoPath: null,
    workDir: join(root, name),
  });

  it('a render over its time limit: engine_error, and nothing is left in the work folder', async () => {
    const req = request('slow');
    const p = createLocalEngine({ timeoutMs: 400 }).render(req, () => {}, new AbortController().signal);
    await expect(p).rejects.toMatchObject({ name: 'AppError', code: 'engine_error', message: expect.stringMatching(/too long/) });
    expect(await readdir(req.workDir)).toEqual([]);
  });

  it('a render over its memory limit: engine_error that says so, and nothing is left in the work folder', async () => {
    const req = request('hungry');
    const p = createLocalEngine({ maxMemoryMb: 100 }).render(req, () => {}, new AbortController().signal);
    await expect(p).rejects.toMatchObject({ name: 'AppError', code: 'engine_error', message: expect.stringMatching(/memory/) });
    expect(await readdir(req.workDir)).toEqual([]);
  });
});

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalEngine } from '../../src/engines/local/index.js';
import type { RenderCharacter, RenderRequest, RenderResult } from '../../src/engines/ports.js';
import type { AppError } from '../../src/errors.js';

const run = promisify(execFile);
const FFMPEG = process.env.FFMPEG_PATH || 'ffmpeg';
const FFPROBE = process.env.FFPROBE_PATH || 'ffprobe';

let root: string;
let chars: RenderCharacter[];
let referencePath: string;
/** A clip whose first frame alone is white (the rest black): a remix of it shows that frame, dimmed to grey. */
let remixSourcePath: string;

async function ffprobe(path: string) {
  const { stdout } = await run(FFPROBE, [
    '-v',
    'error',
    '-show_entries',
    'stream=codec_type,codec_name,width,height,pix_fmt,r_frame_rate,nb_frames:format=duration,format_name',
    '-of',
    'json',
    path,
  ]);
  return JSON.parse(stdout) as {
    streams: Array<{ codec_type: string; codec_name: string; width?: number; height?: number; pix_fmt?: string; r_frame_rate?: string; nb_frames?: string }>;
    format: { duration: string; format_name: string };
  };
}

/** The mean colour of a frame at `t` seconds (a small PNG through sharp). */
async function frameStats(video: string, t: number) {
  const { stdout } = await run(
    FFMPEG,
    ['-v', 'error', '-ss', String(t), '-i', video, '-frames:v', '1', '-vf', 'scale=64:-2', '-f', 'image2pipe', '-c:v', 'png', '-'],
    {
      encoding: 'buffer',
      maxBuffer: 1 << 24,
    },
  );
  return sharp(stdout).stats();
}

const engine = createLocalEngine();

async function render(
  name: string,
  over: Partial<RenderRequest>,
  onProgress: (p: number) => void = () => {},
): Promise<{ result: RenderResult; ms: number; req: RenderRequest }> {
  const req: RenderRequest = {
    taskId: `video_${name}`,
    prompt: 'A quiet harbour at dawn.',
    width: 720,
    height: 1280,
    seconds: 4,
    inputReferencePath: null,
    characters: [],
    remixOfVideoPath: null,
    workDir: join(root, name),
    ...over,
  };
  const t0 = performance.now();
  const result = await engine.render(req, onProgress, new AbortController().signal);
  return { result, ms: performance.now() - t0, req };
}

async function expectVideo(result: RenderResult, width: number, height: number, seconds: number) {
  const info = await ffprobe(result.videoPath);
  const video = info.streams.find((s) => s.codec_type === 'video');
  const audio = info.streams.find((s) => s.codec_type === 'audio');
  expect(info.format.format_name).toContain('mp4');
  expect(video).toMatchObject({ codec_name: 'h264', width, height, pix_fmt: 'yuv420p', r_frame_rate: '24/1' });
  expect(Number(video?.nb_frames)).toBe(seconds * 24);
  expect(audio?.codec_name).toBe('aac');
  expect(Math.abs(Number(info.format.duration) - seconds)).toBeLessThanOrEqual(0.1);
  expect(result.durationSec).toBe(seconds);

  const thumb = await sharp(result.thumbnailPath).metadata();
  expect(thumb.format).toBe('webp');
  const tw = Math.max(width, height) > 1280 ? Math.round((width * 1280) / Math.max(width, height)) : width;
  const th = Math.max(width, height) > 1280 ? Math.round((height * 1280) / Math.max(width, height)) : height;
  expect([thumb.width, thumb.height]).toEqual([tw, th]);

  const sprite = await sharp(result.spritesheetPath).metadata();
  expect(sprite.format).toBe('jpeg');
  expect(sprite.width).toBe(800);
  expect(sprite.height).toBe(2 * Math.round((160 * height) / width / 2) * 2);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'engines-local-'));
  const fx = join(root, 'fixtures');
  await mkdir(fx);
  // Two small clips: a portrait one without audio, a landscape one with audio, 1.5 s (shorter than the videos: they loop).
  await run(FFMPEG, [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=s=360x640:r=30:d=1.5',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    '-y',
    join(fx, 'clip0.mp4'),
  ]);
  await run(FFMPEG, [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc=s=640x360:r=25:d=1.5',
    '-f',
    'lavfi',
    '-i',
    'sine=d=1.5',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-shortest',
    '-y',
    join(fx, 'clip1.mp4'),
  ]);
  await sharp({ create: { width: 300, height: 400, channels: 3, background: '#c0392b' } })
    .webp()
    .toFile(join(fx, 'portrait0.webp'));
  await sharp({ create: { width: 256, height: 256, channels: 4, background: '#2980b9' } })
    .webp()
    .toFile(join(fx, 'portrait1.webp'));
  referencePath = join(fx, 'reference.jpg');
  await sharp({ create: { width: 800, height: 600, channels: 3, background: '#f1c40f' } })
    .jpeg()
    .toFile(referencePath);
  remixSourcePath = join(fx, 'first-frame-white.mp4');
  await run(FFMPEG, [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    "color=c=black:s=360x640:r=24:d=1,drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='eq(n,0)'",
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    '-y',
    remixSourcePath,
  ]);
  chars = [0, 1].map((i) => ({
    id: `ch_${i}`,
    username: i === 0 ? 'marina.lee' : 'captain_hook',
    displayName: `Character ${i}`,
    clipPath: join(fx, `clip${i}.mp4`),
    portraitPath: join(fx, `portrait${i}.webp`),
    framePaths: [],
    voicePath: null,
  }));
});

afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('local engine: real renders (checked with ffprobe)', () => {
  it('720x1280, 4 s, 2 characters: exact size and length, thumbnail, spritesheet, monotonic progress to 100', async () => {
    const seen: number[] = [];
    const { result, ms, req } = await render('two', { characters: chars, prompt: '@marina.lee and @captain_hook share a boat.' }, (p) => seen.push(p));
    console.log(`render 720x1280 4 s with 2 characters: ${Math.round(ms)} ms`);
    await expectVideo(result, 720, 1280, 4);
    expect(seen[0]).toBe(0);
    expect(seen.at(-1)).toBe(100);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1]);
    expect(seen.length).toBeGreaterThan(3);
    // Only the outputs are left in the work folder.
    expect((await readdir(req.workDir)).sort()).toEqual(['spritesheet.jpg', 'thumbnail.webp', 'video.mp4']);
  });

  it('1280x720, 8 s, 1 character, with an input reference shown alone for the first second', async () => {
    const { result } = await render('ref', { width: 1280, height: 720, seconds: 8, characters: [chars[1]], inputReferencePath: referencePath });
    await expectVideo(result, 1280, 720, 8);
    // The reference (yellow) fills the first second, then is dimmed behind the preview.
    const first = await frameStats(result.videoPath, 0.5);
    const later = await frameStats(result.videoPath, 3);
    expect(first.channels[0].mean).toBeGreaterThan(200);
    expect(first.channels[2].mean).toBeLessThan(60);
    expect(later.channels[0].mean).toBeLessThan(first.channels[0].mean - 60);
  });

  it('0 characters, a hostile prompt (quotes, colons, %, backslashes, newlines, emoji), in a work folder with odd characters', async () => {
    const prompt = `She said: "it's 100% fine" \\ C:\\path\\n %{localtime} %{eif:1:d} {x} [a], b; c='d'\n\nnew line\ttab \u0000\u001b[31m emoji 🎉👩‍👩‍👧 ünïcödé 日本語 \u202Eevil`;
    const { result } = await render("odd: it's [a],b;c %d", { prompt });
    await expectVideo(result, 720, 1280, 4);
  });

  it('a 32000 character prompt is truncated, not a failure', async () => {
    const { result } = await render('long', { prompt: 'lorem ipsum dolor sit amet '.repeat(1200).slice(0, 32000), width: 1280, height: 720 });
    await expectVideo(result, 1280, 720, 4);
  });

  it('1024x1792: the thumbnail is scaled to 1280 on the long side', async () => {
    const { result } = await render('tall', { width: 1024, height: 1792, characters: [chars[0]] });
    await expectVideo(result, 1024, 1792, 4);
  });

  it("a remix starts from the source video's first frame", async () => {
    const { result } = await render('remix', { remixOfVideoPath: remixSourcePath, prompt: 'The same, at night.' });
    await expectVideo(result, 720, 1280, 4);
    // The source's first frame (white) stays behind the whole video, dimmed to grey; its other
    // frames are black, and without a remix the background is near black (0x0f1117) too.
    for (const t of [0.5, 3]) {
      const means = (await frameStats(result.videoPath, t)).channels.slice(0, 3).map((c) => c.mean);
      for (const mean of means) expect(mean, `at ${t}s`).toBeGreaterThan(60);
    }
  });

  it('renders with fontconfig when the font file is missing', async () => {
    const e = createLocalEngine({ fontFile: join(root, 'missing.ttf') });
    const result = await e.render(
      {
        taskId: 't',
        prompt: 'fallback font',
        width: 720,
        height: 1280,
        seconds: 4,
        inputReferencePath: null,
        characters: [],
        remixOfVideoPath: null,
        workDir: join(root, 'font'),
      },
      () => {},
      new AbortController().signal,
    );
    await expectVideo(result, 720, 1280, 4);
  });
});

describe('local engine: failures and cancel', () => {
  const base = (name: string): RenderRequest => ({
    taskId: name,
    prompt: 'x',
    width: 720,
    height: 1280,
    seconds: 4,
    inputReferencePath: null,
    characters: [],
    remixOfVideoPath: null,
    workDir: join(root, name),
  });

  it('an abort kills ffmpeg and rejects with engine_error; nothing is left behind', async () => {
    const ac = new AbortController();
    const req = { ...base('abort'), width: 1280, height: 720, seconds: 12, characters: chars };
    let aborted = 0;
    const p = engine.render(
      req,
      (pct) => {
        if (pct > 0 && !ac.signal.aborted) {
          aborted = performance.now();
          ac.abort(new Error('task deleted'));
        }
      },
      ac.signal,
    );
    await expect(p).rejects.toMatchObject({ name: 'AppError', code: 'engine_error', message: expect.stringMatching(/cancelled/) });
    expect(performance.now() - aborted).toBeLessThan(2000);
    const err = await p.catch((e: unknown) => e);
    expect((err as AppError).cause).toMatchObject({ message: 'task deleted' });
    // No ffmpeg of this render is running any more.
    const { stdout } = await run('ps', ['-eo', 'args']);
    expect(stdout.split('\n').filter((l) => l.includes(req.workDir))).toEqual([]);
    expect(existsSync(join(req.workDir, 'video.mp4'))).toBe(false);
  });

  it('an already-aborted signal rejects without rendering', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(engine.render(base('pre-aborted'), () => {}, ac.signal)).rejects.toMatchObject({ code: 'engine_error' });
  });

  it('an unreadable portrait or clip is an engine_error', async () => {
    const notImage = join(root, 'not-an-image.webp');
    await writeFile(notImage, 'hello');
    await expect(
      engine.render({ ...base('bad-portrait'), characters: [{ ...chars[0], portraitPath: notImage }] }, () => {}, new AbortController().signal),
    ).rejects.toMatchObject({
      code: 'engine_error',
    });
    await expect(
      engine.render({ ...base('bad-clip'), characters: [{ ...chars[0], clipPath: notImage }] }, () => {}, new AbortController().signal),
    ).rejects.toMatchObject({
      code: 'engine_error',
      message: 'The local engine failed to render the video.',
    });
    await expect(
      engine.render({ ...base('bad-ref'), inputReferencePath: join(root, 'nope.png') }, () => {}, new AbortController().signal),
    ).rejects.toMatchObject({
      code: 'engine_error',
    });
  });

  it('refuses sizes the encoder cannot take', async () => {
    await expect(engine.render({ ...base('odd'), width: 721 }, () => {}, new AbortController().signal)).rejects.toMatchObject({
      code: 'invalid_parameter',
      param: 'size',
    });
    await expect(engine.render({ ...base('zero'), seconds: 0 }, () => {}, new AbortController().signal)).rejects.toMatchObject({
      code: 'invalid_parameter',
      param: 'seconds',
    });
  });
});

/**
 * The bench's inputs, made with the system ffmpeg from lavfi sources and cached in bench/.cache
 * (ignored by git) so that reruns start at once:
 * - `segment`: 10 s, 1280x720, 30 fps, H.264 (veryfast, ~1.5 Mbit/s, a keyframe every 2 s like a
 *   phone video) + AAC, testsrc2 with a drawn face over it (the detector finds it);
 * - `short`: that segment remuxed (10 s); `long`: the same segment looped by stream copy to
 *   30 minutes, so both have exactly the same encoding;
 * - `big`: a ~500 MB (quick: ~50 MB) valid H.264 file (lossless noise, 640x360, looped by stream
 *   copy) for the memory test.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { facePng } from '../../test/support/faces.js';

const exec = promisify(execFile);
export const FFMPEG = process.env.FFMPEG_PATH || 'ffmpeg';
export const FFPROBE = process.env.FFPROBE_PATH || 'ffprobe';
export const BENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = resolve(BENCH_DIR, '..');
export const CACHE_DIR = join(BENCH_DIR, '.cache');
/** Bump when a generator changes what it makes. */
const VERSION = 1;

export interface Inputs {
  /** 10 s source. */
  short: string;
  /** 30 min source, same encoding as `short`. */
  long: string;
  longDurationSec: number;
  /** The large source of the memory test. */
  big: string;
  bigBytes: number;
}

/** Where the 2 s window lies: inside the short source, off the 2 s keyframe grid like a real pick. */
export const WINDOW = { start: 3.5, end: 5.5 };
/** The same position inside a 10 s segment of the long source, 15 minutes in. */
export const LONG_WINDOW = { start: 900 + WINDOW.start, end: 900 + WINDOW.end };
/** The memory test's window in the big source. */
export const BIG_WINDOW = { start: 1, end: 3 };

function ensureCacheDir(): void {
  mkdirSync(CACHE_DIR, { recursive: true });
  const ignore = join(CACHE_DIR, '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, '*\n');
}

async function ffmpeg(args: string[]): Promise<void> {
  await exec(FFMPEG, ['-hide_banner', '-v', 'error', '-y', ...args], { maxBuffer: 16 * 1024 * 1024 });
}

/** Makes `name` in the cache with `make(tmpPath)` unless it is there already. */
async function cached(name: string, make: (tmp: string) => Promise<void>): Promise<string> {
  const path = join(CACHE_DIR, name);
  if (existsSync(path)) return path;
  const tmp = join(CACHE_DIR, `.${process.pid}.${name}`);
  try {
    await make(tmp);
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
  return path;
}

export async function probeDuration(path: string): Promise<number> {
  const { stdout } = await exec(FFPROBE, ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', path]);
  return Number(stdout.trim());
}

export async function prepareInputs(opts: { bigBytes: number; log: (s: string) => void }): Promise<Inputs> {
  ensureCacheDir();
  const t0 = performance.now();
  const face = await cached(`v${VERSION}-face.png`, async (tmp) => writeFile(tmp, await facePng(300)));
  const segment = await cached(`v${VERSION}-segment-720p30-10s.mp4`, (tmp) =>
    ffmpeg([
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=1280x720:r=30:d=10',
      '-loop',
      '1',
      '-i',
      face,
      '-f',
      'lavfi',
      '-i',
      'sine=f=440:r=48000:d=10',
      '-filter_complex',
      '[0:v][1:v]overlay=x=820:y=120,format=yuv420p[v]',
      '-map',
      '[v]',
      '-map',
      '2:a',
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-b:v',
      '1500k',
      '-maxrate',
      '2000k',
      '-bufsize',
      '3000k',
      '-g',
      '60',
      '-keyint_min',
      '60',
      '-sc_threshold',
      '0',
      '-c:a',
      'aac',
      '-b:a',
      '96k',
      '-t',
      '10',
      '-movflags',
      '+faststart',
      '-f',
      'mp4',
      tmp,
    ]),
  );
  // Both sources go through the same stream-copy remux: same encoding, same container layout.
  const short = await cached(`v${VERSION}-short-10s.mp4`, (tmp) => ffmpeg(['-i', segment, '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', tmp]));
  const long = await cached(`v${VERSION}-long-30min.mp4`, (tmp) =>
    ffmpeg(['-stream_loop', '179', '-i', segment, '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', tmp]),
  );
  const noise = await cached(`v${VERSION}-noise-360p-2s.mp4`, (tmp) =>
    ffmpeg([
      '-f',
      'lavfi',
      '-i',
      'nullsrc=s=640x360:r=30:d=2,geq=random(1)*255:128:128',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-qp',
      '0',
      '-g',
      '30',
      '-pix_fmt',
      'yuv420p',
      '-f',
      'mp4',
      tmp,
    ]),
  );
  const noiseBytes = (await stat(noise)).size;
  const loops = Math.max(2, Math.ceil(opts.bigBytes / noiseBytes));
  const big = await cached(`v${VERSION}-big-${loops}x.mp4`, (tmp) => ffmpeg(['-stream_loop', String(loops - 1), '-i', noise, '-c', 'copy', '-f', 'mp4', tmp]));
  const bigBytes = (await stat(big)).size;
  const longDurationSec = await probeDuration(long);
  opts.log(
    `inputs ready in ${((performance.now() - t0) / 1000).toFixed(1)} s (big source ${(bigBytes / 1e6).toFixed(0)} MB, long source ${(longDurationSec / 60).toFixed(1)} min)`,
  );
  return { short, long, longDurationSec, big, bigBytes };
}

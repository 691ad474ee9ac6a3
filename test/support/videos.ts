/**
 * Small test videos made by the system ffmpeg from its lavfi sources, cached for the test run:
 * every worker of one vitest run shares one folder (named after the run's main process), files
 * are written under a temporary name and renamed, and folders of finished runs are removed.
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { open, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const FFMPEG = process.env.FFMPEG_PATH || 'ffmpeg';
/** Bump when a generator changes what it makes. */
const GENERATOR_VERSION = 3;
const PREFIX = 'sora-characters-test-videos-';

export type VideoCodec = 'h264' | 'vp9' | 'hevc';

export interface VideoOptions {
  durationSec?: number; // default 2
  width?: number; // default 320
  height?: number; // default 180
  fps?: number; // default 25
  /** h264 -> .mp4, vp9 -> .webm, hevc -> .mov. Default h264. */
  codec?: VideoCodec;
  audio?: boolean; // default true (a sine)
  /** false: the moov atom at the end (ffmpeg's default). Default true. mp4/mov only. */
  faststart?: boolean;
  /** Degrees clockwise a player turns the picture, written as a display matrix. mp4/mov only. */
  rotate?: 0 | 90 | 180 | 270;
  /** A strong box blur between these source times. */
  blur?: { fromSec: number; toSec: number };
  /** `corner`: blue with a red square in the top-left corner of the coded picture (shows orientation). */
  source?: 'testsrc2' | 'smptebars' | 'color' | 'corner';
  /** WebM written to a pipe: no duration anywhere in the header (like a browser recording). */
  noDurationHeader?: boolean;
}

const EXT: Record<VideoCodec, string> = { h264: 'mp4', vp9: 'webm', hevc: 'mov' };

let dirCache: string | undefined;

/** The folder of this test run (TEST_VIDEO_DIR overrides). */
export function videoDir(): string {
  if (dirCache) return dirCache;
  const dir = process.env.TEST_VIDEO_DIR ?? join(tmpdir(), `${PREFIX}${process.ppid}`);
  mkdirSync(dir, { recursive: true });
  removeFinishedRuns(dir);
  dirCache = dir;
  return dir;
}

function removeFinishedRuns(keep: string): void {
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(PREFIX)) continue;
    const pid = Number(name.slice(PREFIX.length));
    const path = join(tmpdir(), name);
    if (path === keep || !Number.isInteger(pid) || alive(pid)) continue;
    rmSync(path, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const pending = new Map<string, Promise<string>>();

/** Makes `name` once per run with `make(tmpPath)`; concurrent callers share the work. */
function cached(name: string, make: (tmpPath: string) => Promise<void>): Promise<string> {
  const path = join(videoDir(), name);
  let p = pending.get(path);
  if (!p) {
    p = (async () => {
      if (existsSync(path)) return path;
      const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp${extOf(name)}`;
      try {
        await make(tmp);
        await rename(tmp, path);
      } finally {
        await rm(tmp, { force: true });
      }
      return path;
    })();
    pending.set(path, p);
  }
  return p;
}

const extOf = (name: string) => (name.includes('.') ? name.slice(name.lastIndexOf('.')) : '');

function key(kind: string, opts: object, ext: string): string {
  const h = createHash('sha256')
    .update(JSON.stringify([GENERATOR_VERSION, kind, opts]))
    .digest('hex')
    .slice(0, 16);
  return `${kind}-${h}.${ext}`;
}

async function ffmpeg(args: string[]): Promise<void> {
  await exec(FFMPEG, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...args], { maxBuffer: 16 * 1024 * 1024 });
}

/** A small video; see VideoOptions for the defaults. */
export function makeVideo(options: VideoOptions = {}): Promise<string> {
  const o = {
    durationSec: 2,
    width: 320,
    height: 180,
    fps: 25,
    codec: 'h264' as VideoCodec,
    audio: true,
    faststart: true,
    rotate: 0,
    source: 'testsrc2',
    noDurationHeader: false,
    ...options,
  };
  const ext = EXT[o.codec];
  return cached(key('video', o, ext), async (out) => {
    const size = `${o.width}x${o.height}`;
    const box = Math.round(Math.min(o.width, o.height) / 3);
    const src =
      o.source === 'color'
        ? `color=c=0x3060a0:s=${size}:r=${o.fps}:d=${o.durationSec}`
        : o.source === 'corner'
          ? `color=c=blue:s=${size}:r=${o.fps}:d=${o.durationSec},drawbox=x=0:y=0:w=${box}:h=${box}:color=red:t=fill`
          : `${o.source}=s=${size}:r=${o.fps}:d=${o.durationSec}`;
    const vf = o.blur ? [`boxblur=12:4:enable='between(t,${o.blur.fromSec},${o.blur.toSec})'`] : [];
    const args = ['-f', 'lavfi', '-i', src];
    if (o.audio) args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${o.durationSec}`);
    args.push('-map', '0:v');
    if (o.audio) args.push('-map', '1:a');
    if (vf.length) args.push('-vf', vf.join(','));
    args.push('-pix_fmt', 'yuv420p', '-g', String(o.fps)); // a keyframe every second
    if (o.codec === 'h264') args.push('-c:v', 'libx264', '-preset', 'ultrafast');
    if (o.codec === 'hevc') args.push('-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'log-level=error', '-tag:v', 'hvc1');
    if (o.codec === 'vp9') args.push('-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k');
    if (o.audio) args.push('-c:a', o.codec === 'vp9' ? 'libopus' : 'aac', '-b:a', '64k');
    const moov = ext !== 'webm' && o.faststart ? ['-movflags', '+faststart'] : [];
    if (o.rotate) {
      // ffmpeg 5.1 keeps a `rotate` tag only on a stream copy, and writes it as a display
      // matrix turning the picture counter-clockwise.
      const pre = `${out}.pre.${ext}`;
      try {
        await ffmpeg([...args, pre]);
        await ffmpeg(['-i', pre, '-map', '0', '-c', 'copy', ...moov, '-metadata:s:v:0', `rotate=${(360 - o.rotate) % 360}`, out]);
      } finally {
        await rm(pre, { force: true });
      }
      return;
    }
    args.push(...moov);
    if (o.noDurationHeader) {
      args.push('-f', 'webm', 'pipe:1');
      const { stdout } = await execBuffer(FFMPEG, ['-hide_banner', '-nostdin', '-loglevel', 'error', ...args]);
      await writeFile(out, stdout);
      return;
    }
    args.push(out);
    await ffmpeg(args);
  });
}

async function execBuffer(bin: string, args: string[]): Promise<{ stdout: Buffer }> {
  const { stdout } = await exec(bin, args, { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
  return { stdout };
}

/** An HTML page saved as if it were the download. */
export function makeHtml(): Promise<string> {
  return cached('page.html', (out) =>
    writeFile(out, '<!doctype html><html><head><title>Not a video</title></head><body><video src="x.mp4"></video></body></html>\n'),
  );
}

/** A PNG still image. */
export function makeImage(): Promise<string> {
  return cached(key('image', {}, 'png'), (out) => ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=320x180', '-frames:v', '1', out]));
}

/** A one-frame GIF: a still image in a video-capable container. */
export function makeStillGif(): Promise<string> {
  return cached(key('still', {}, 'gif'), (out) => ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=160x90', '-frames:v', '1', out]));
}

/** AAC audio only, in an .m4a (the mp4 family). */
export function makeAudioOnly(): Promise<string> {
  return cached(key('audio', {}, 'm4a'), (out) => ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=2', '-c:a', 'aac', '-b:a', '64k', out]));
}

/** A zero-byte file. */
export function makeEmpty(): Promise<string> {
  return cached('empty.mp4', (out) => writeFile(out, Buffer.alloc(0)));
}

/** A valid MP4 with its moov atom at the end, cut in half: the index is gone. */
export function makeTruncated(): Promise<string> {
  return cached(key('truncated', {}, 'mp4'), async (out) => {
    const full = await makeVideo({ durationSec: 2, faststart: false });
    const size = (await stat(full)).size;
    const fh = await open(full, 'r');
    try {
      const half = Buffer.alloc(Math.floor(size / 2));
      await fh.read(half, 0, half.length, 0);
      await writeFile(out, half);
    } finally {
      await fh.close();
    }
  });
}

/** Deterministic random bytes with a video-ish name. */
export function makeGarbage(): Promise<string> {
  return cached('garbage.mp4', async (out) => {
    const chunks: Buffer[] = [];
    for (let i = 0; chunks.length < 64; i++) chunks.push(createHash('sha256').update(`garbage-${i}`).digest());
    await writeFile(out, Buffer.concat(chunks));
  });
}

/** Which top-level MP4 atoms come first: ['ftyp', 'moov', 'mdat', ...]. */
export async function topLevelAtoms(path: string): Promise<string[]> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const atoms: string[] = [];
    let pos = 0;
    const head = Buffer.alloc(16);
    while (pos + 8 <= size && atoms.length < 32) {
      await fh.read(head, 0, 16, pos);
      let len = head.readUInt32BE(0);
      atoms.push(head.toString('latin1', 4, 8));
      if (len === 1) len = Number(head.readBigUInt64BE(8));
      else if (len === 0) break; // to the end of the file
      if (len < 8) break;
      pos += len;
    }
    return atoms;
  } finally {
    await fh.close();
  }
}

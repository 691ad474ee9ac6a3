/**
 * Hostile sources for the limit tests, each small and made in well under a second by the system
 * ffmpeg (the huge pictures are declared, never encoded: generating them would itself cost
 * gigabytes).
 */
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const FFMPEG = process.env.FFMPEG_PATH || 'ffmpeg';

const ffmpeg = (args: string[]) => exec(FFMPEG, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...args], { maxBuffer: 16 << 20 });

/**
 * An MPEG-TS of 640x360 MPEG-2 video that switches to `hugeWidth` x `hugeHeight` for two frames
 * at `switchSec`, then back to 640x360 for one more second. The huge frames are 640x360 intra
 * frames whose sequence headers are rewritten to the huge size (MPEG-2 keeps the size in
 * fixed-width fields): a decoder that believes them allocates pictures of the huge size, which
 * is what a decompression bomb does, from a few kilobytes.
 */
export async function makeResolutionSwitchTs(dir: string, o: { switchSec: number; hugeWidth: number; hugeHeight: number }): Promise<string> {
  const part = (name: string) => join(dir, `${name}.ts`);
  const out = join(dir, `switch-${o.hugeWidth}x${o.hugeHeight}.ts`);
  const ts = ['-c:v', 'mpeg2video', '-pix_fmt', 'yuv420p', '-muxdelay', '0', '-muxpreload', '0', '-f', 'mpegts'];
  const segment = (name: string, durationSec: number, offsetSec: number, gop: number) =>
    ffmpeg(['-f', 'lavfi', '-i', `testsrc2=s=640x360:r=25:d=${durationSec}`, '-g', String(gop), '-output_ts_offset', String(offsetSec), ...ts, part(name)]);
  await segment('before', o.switchSec, 0, 25);
  // Each segment starts one frame after the last of the one before.
  await segment('huge', 0.08, o.switchSec + 0.04, 1);
  await segment('after', 1, o.switchSec + 0.12, 25);
  const huge = rewriteMpeg2Size(await readFile(part('huge')), o.hugeWidth, o.hugeHeight);
  await writeFile(out, Buffer.concat([await readFile(part('before')), huge, await readFile(part('after'))]));
  return out;
}

/** Sets the picture size in every MPEG-2 sequence header and sequence extension of `ts`. */
export function rewriteMpeg2Size(ts: Buffer, width: number, height: number): Buffer {
  if (width % 4096 === 0 || height % 4096 === 0 || width > 16383 || height > 16383) throw new RangeError('MPEG-2 cannot carry that size');
  const b = Buffer.from(ts);
  let headers = 0;
  for (let i = 0; i + 8 < b.length; i++) {
    if (b[i] !== 0 || b[i + 1] !== 0 || b[i + 2] !== 1) continue;
    if (b[i + 3] === 0xb3) {
      // sequence_header: horizontal_size_value (12 bits), vertical_size_value (12 bits)
      const w = width & 0xfff;
      const h = height & 0xfff;
      b[i + 4] = w >> 4;
      b[i + 5] = ((w & 0xf) << 4) | (h >> 8);
      b[i + 6] = h & 0xff;
      headers++;
    } else if (b[i + 3] === 0xb5 && b[i + 4] >> 4 === 1) {
      // sequence_extension: ... chroma_format (2), horizontal_size_extension (2), vertical_size_extension (2)
      const we = (width >> 12) & 3;
      const he = (height >> 12) & 3;
      b[i + 5] = (b[i + 5] & 0xfe) | (we >> 1);
      b[i + 6] = (b[i + 6] & 0x1f) | ((we & 1) << 7) | (he << 5);
    }
  }
  if (headers === 0) throw new Error('no MPEG-2 sequence header found');
  return b;
}

/** A Matroska file with `count` copies of one tiny H.264 stream (copied, encoded once). */
export async function makeManyStreamMkv(dir: string, count: number): Promise<string> {
  const one = join(dir, 'one-stream.mkv');
  const out = join(dir, `streams-${count}.mkv`);
  await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=s=64x64:r=10:d=2', '-c:v', 'libx264', '-preset', 'ultrafast', one]);
  const maps = Array.from({ length: count }, () => ['-map', '0:v']).flat();
  await ffmpeg(['-i', one, ...maps, '-c', 'copy', out]);
  return out;
}

/** A small H.264 MP4 at `fps` frames per second. */
export async function makeHighFpsMp4(dir: string, fps: number, durationSec: number): Promise<string> {
  const out = join(dir, `fps-${fps}.mp4`);
  await ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `testsrc2=s=160x90:r=${fps}:d=${durationSec}`,
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    '-g',
    String(fps),
    '-movflags',
    '+faststart',
    out,
  ]);
  return out;
}

/**
 * A PNG whose header declares `width` x `height` (8-bit RGB) followed by a tiny, truncated image
 * stream: what a reader learns from the header alone is enough to refuse it.
 */
export function pngHeaderBomb(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', Buffer.from([0x78, 0x9c, 0x63, 0x60, 0x00, 0x00])),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const byte of buf) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * The highest resident set (VmHWM, bytes) seen of any process whose command line contains
 * `marker`, sampled every few milliseconds until `stop()`.
 */
export function watchPeakMemory(marker: string): { stop(): Promise<number> } {
  let peak = 0;
  let running = true;
  const sample = async () => {
    for (const pid of await readdir('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const cmd = await readFile(`/proc/${pid}/cmdline`, 'latin1');
        if (!cmd.includes(marker)) continue;
        const m = /VmHWM:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'latin1'));
        if (m) peak = Math.max(peak, Number(m[1]) * 1024);
      } catch {
        // the process ended between the listing and the read
      }
    }
  };
  const loop = (async () => {
    while (running) {
      await sample();
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return peak;
    },
  };
}

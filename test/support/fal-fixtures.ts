/** Media the fal engine's tests send and receive: an upstream "result" MP4 and a character's reference files, made with ffmpeg and sharp. */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';

const run = promisify(execFile);
const FFMPEG = process.env.FFMPEG_PATH || 'ffmpeg';

/** A short H.264 + AAC MP4, 24 fps, as an upstream would return it. */
export async function makeUpstreamVideo(dir: string, opts: { width?: number; height?: number; seconds?: number } = {}): Promise<Buffer> {
  const w = opts.width ?? 360;
  const h = opts.height ?? 640;
  const path = join(dir, `upstream-${w}x${h}.mp4`);
  await run(FFMPEG, [
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${w}x${h}:rate=24:duration=${opts.seconds ?? 2}`,
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:duration=${opts.seconds ?? 2}`,
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-shortest',
    '-movflags',
    '+faststart',
    '-y',
    path,
  ]);
  return readFile(path);
}

/** A character's portrait (WebP), two JPEG frames and a voice sample (m4a), as the render job prepares them. */
export async function makeCharacterFiles(dir: string, name: string, colour: string) {
  const portraitPath = join(dir, `${name}.webp`);
  await sharp({ create: { width: 512, height: 512, channels: 3, background: colour } })
    .webp()
    .toFile(portraitPath);
  const framePaths = [];
  for (let i = 0; i < 2; i++) {
    const p = join(dir, `${name}-frame-${i}.jpg`);
    await sharp({ create: { width: 320, height: 568, channels: 3, background: colour } })
      .jpeg()
      .toFile(p);
    framePaths.push(p);
  }
  const voicePath = join(dir, `${name}-voice.m4a`);
  await run(FFMPEG, ['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=220:duration=1', '-c:a', 'aac', '-y', voicePath]);
  const clipPath = join(dir, `${name}.mp4`);
  await writeFile(clipPath, Buffer.alloc(0));
  return { portraitPath, framePaths, voicePath, clipPath };
}

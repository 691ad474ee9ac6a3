import { execFileSync } from 'node:child_process';

/** Fails fast with one clear line when the machine lacks what the suites need. */
export default function setup(): void {
  for (const bin of [process.env.FFMPEG_PATH ?? 'ffmpeg', process.env.FFPROBE_PATH ?? 'ffprobe']) {
    try {
      execFileSync(bin, ['-version'], { stdio: 'ignore' });
    } catch {
      throw new Error(`${bin} is not installed: the test suites run real ffmpeg (apt-get install ffmpeg)`);
    }
  }
}

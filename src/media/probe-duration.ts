import { type RunOptions, runToolStreaming } from '../ffmpeg/run.js';
import { buildDurationScanArgs } from './ffmpeg/probe-args.js';

/**
 * The span of one stream's packets, from `pts_time,duration_time` CSV lines:
 * (last pts + its duration) - first pts. Null when no line has a time.
 */
export class PacketSpan {
  private first = Infinity;
  private end = -Infinity;
  private rest = '';

  push(text: string): void {
    const lines = (this.rest + text).split('\n');
    this.rest = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  result(): number | null {
    if (this.rest) this.line(this.rest);
    this.rest = '';
    const span = this.end - this.first;
    return Number.isFinite(span) && span > 0 ? span : null;
  }

  private line(line: string): void {
    const [ptsText, durText] = line.trim().split(',');
    const pts = Number(ptsText);
    if (!ptsText || !Number.isFinite(pts)) return;
    const dur = Number(durText);
    this.first = Math.min(this.first, pts);
    this.end = Math.max(this.end, pts + (durText && Number.isFinite(dur) ? dur : 0));
  }
}

/** Measures a stream's duration by reading its packets (demux, no decode). */
export async function scanStreamDuration(ffprobe: string, path: string, streamIndex: number, opts: RunOptions = {}): Promise<number | null> {
  const span = new PacketSpan();
  await runToolStreaming(
    ffprobe,
    buildDurationScanArgs(path, streamIndex),
    async (stdout) => {
      stdout.setEncoding('utf8');
      for await (const text of stdout as AsyncIterable<string>) span.push(text);
    },
    opts,
  );
  return span.result();
}

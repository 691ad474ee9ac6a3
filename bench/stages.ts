/**
 * Information, not a target: where a creation's time goes. The service's own modules, in the
 * bench process, step by step as src/characters/make-character.ts runs them (fetch or open ->
 * probe -> one-decode window with the frame chooser fed as frames arrive -> the chooser's face
 * search -> portrait and reference set -> blob writes), for the 10 s source (downloaded) and the 30 min source
 * (range reads). Also the service's exact window argv (buildWindowArgs) run bare with its
 * frames read and dropped: how the one-decode run compares with the floor's two runs.
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSourceFetcher } from '../src/fetch/source-fetcher.js';
import { buildWindowArgs, planWindow } from '../src/media/ffmpeg/window-args.js';
import { createMediaToolkit } from '../src/media/toolkit.js';
import { floorOnce, SPEC_720P } from './floor.js';
import type { BenchContext } from './support/context.js';
import { type Figure, figure, type Section } from './support/figures.js';
import { FFMPEG, FFPROBE, LONG_WINDOW, WINDOW } from './support/inputs.js';
import { spread } from './support/stats.js';

interface StageTimes {
  fetch: number;
  probe: number;
  window: number;
  firstFrame: number;
  chooserWait: number;
  portrait: number;
  blobs: number;
  total: number;
}

export async function stages(ctx: BenchContext): Promise<Section> {
  const { origin, inputs, cfg } = ctx;
  const fetcher = createSourceFetcher({
    maxBytes: 512 * 1024 * 1024,
    timeoutMs: 120_000,
    allowPrivate: true,
    maxRedirects: 5,
    rangeReadMinBytes: 32 * 1024 * 1024,
  });
  const media = createMediaToolkit({ ffmpegPath: FFMPEG, ffprobePath: FFPROBE });

  async function once(url: string, w: { start: number; end: number }): Promise<StageTimes> {
    const dir = await mkdtemp(join(tmpdir(), 'sc-bench-stages-'));
    let close: (() => Promise<void>) | undefined;
    try {
      const t0 = performance.now();
      const src0 = await fetcher.fetchOrOpen(url, join(dir, 'source'));
      const t1 = performance.now();
      const src = 'range' in src0 ? src0.range.localUrl : src0.path;
      if ('range' in src0) close = () => src0.range.close();
      const probe = await media.probe(src);
      const t2 = performance.now();
      const chooser = media.newFrameChooser();
      let first = 0;
      const extraction = await media.extractWindow(src, probe, { startSec: w.start, endSec: w.end, clipPath: join(dir, 'clip.mp4') }, (f) => {
        if (!first) first = performance.now();
        return chooser.offer(f);
      });
      const t3 = performance.now();
      const chosen = await chooser.result();
      const t4 = performance.now();
      // As the service: the portrait and the reference set (frames and voice cut from the clip) at once.
      const [portrait, references] = await Promise.all([
        media.cutPortrait(chosen!.frame, chosen!.face),
        media.cutReferenceSet(join(dir, 'clip.mp4'), {
          times: chosen!.referenceTimes.map((t) => t - w.start),
          width: extraction.clip.width,
          height: extraction.clip.height,
          hasAudio: extraction.clip.hasAudio,
          outDir: dir,
        }),
      ]);
      const t5 = performance.now();
      chooser.dispose();
      await copyFile(join(dir, 'clip.mp4'), join(dir, 'clip.blob'));
      await writeFile(join(dir, 'portrait.blob'), portrait.webp);
      for (const [i, path] of references.framePaths.entries()) await copyFile(path, join(dir, `frame-${i}.blob`));
      if (references.voicePath) await copyFile(references.voicePath, join(dir, 'voice.blob'));
      const t6 = performance.now();
      return {
        fetch: t1 - t0,
        probe: t2 - t1,
        window: t3 - t2,
        firstFrame: first - t2,
        chooserWait: t4 - t3,
        portrait: t5 - t4,
        blobs: t6 - t5,
        total: t6 - t0,
      };
    } finally {
      await close?.();
      await rm(dir, { recursive: true, force: true });
    }
  }

  async function bareWindow(): Promise<number> {
    const dir = await mkdtemp(join(tmpdir(), 'sc-bench-win-'));
    try {
      const probe = await media.probe(inputs.short);
      const plan = planWindow(probe, { startSec: WINDOW.start, endSec: WINDOW.end });
      const args = buildWindowArgs(inputs.short, join(dir, 'clip.mp4'), plan);
      const t0 = performance.now();
      await new Promise<void>((res, rej) => {
        const child = spawn(FFMPEG, args, { stdio: ['ignore', 'pipe', 'ignore'] });
        child.stdout.resume();
        child.on('error', rej);
        child.on('close', (code) => (code === 0 ? res() : rej(new Error(`window ffmpeg exited ${code}`))));
      });
      return performance.now() - t0;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  await once(origin.url('short'), WINDOW); // warm-up (model load)
  const runs: Record<'short' | 'long', StageTimes[]> = { short: [], long: [] };
  const bare: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < cfg.reps; i++) {
    runs.short.push(await once(origin.url('short'), WINDOW));
    runs.long.push(await once(origin.url('long'), LONG_WINDOW));
    bare.push(await bareWindow());
    floor.push(await floorOnce({ src: inputs.short, start: WINDOW.start, end: WINDOW.end, ...SPEC_720P }));
  }
  const figures: Figure[] = [];
  const keys: Array<keyof StageTimes> = ['fetch', 'probe', 'firstFrame', 'window', 'chooserWait', 'portrait', 'blobs', 'total'];
  const labels: Record<keyof StageTimes, string> = {
    fetch: 'download / open range source',
    probe: 'probe (MP4 header in-process, else ffprobe)',
    firstFrame: '  first frame after window start',
    window: 'window: one ffmpeg (clip + frames scored as they come)',
    chooserWait: 'face search after the decode (sharpest first)',
    portrait: 'portrait cut (512 px WebP) and reference set (JPEG frames + MP3 voice from the clip), at once',
    blobs: 'blob writes',
    total: 'total (in-process, no HTTP/queue/DB)',
  };
  for (const src of ['short', 'long'] as const) {
    for (const k of keys)
      figures.push(figure(`${src}_${k}_ms`, `${src === 'short' ? '10 s' : '30 min'}: ${labels[k]}`, 'ms', spread(runs[src].map((r) => r[k]))));
  }
  figures.push(
    figure('bare_window_ms', "service's window argv run bare (frames dropped)", 'ms', spread(bare)),
    figure('floor_ms', 'floor (bare trim + bare frame decode + bare reference cut)', 'ms', spread(floor)),
  );
  return { id: 'stages', title: '7. Where the time goes (information; in-process, service modules)', figures, details: runs };
}

/**
 * Figure 6: the portrait stage, in the bench process: the service's own modules
 * (src/media/faces/human-detector.ts, src/media/portrait.ts, src/media/sharpness.ts) on the
 * frames the service would get from the window (640x360 RGB at 8 fps of the 720p source, a
 * drawn face on screen). Per frame: detect (letterbox + blazeface), cutPortrait (extract +
 * 512 px lanczos + WebP), and, for information, the sharpness score. The model loads first
 * (its load time is reported apart). One repetition = every frame once; figure = the median
 * over repetitions of the per-repetition median.
 */
import { createHumanFaceDetector, loadHuman } from '../src/media/faces/human-detector.js';
import { cutPortrait } from '../src/media/portrait.js';
import { scoreSharpness } from '../src/media/sharpness.js';
import { decodeFrames } from '../test/support/faces.js';
import type { BenchContext } from './support/context.js';
import { figure, type Section } from './support/figures.js';
import { WINDOW } from './support/inputs.js';
import { median, spread } from './support/stats.js';

export async function portraitStage(ctx: BenchContext): Promise<Section> {
  const { cfg, inputs } = ctx;
  const all = await decodeFrames(inputs.short, WINDOW.start, WINDOW.end - WINDOW.start, 8, 640, 360);
  const frames = all.slice(0, cfg.portraitFrames);
  const t0 = performance.now();
  const loaded = await loadHuman();
  const loadMs = performance.now() - t0;
  const detector = createHumanFaceDetector();
  await detector.detect(frames[0]); // first inference compiles the wasm kernels
  const det: number[] = [];
  const cut: number[] = [];
  const sharp: number[] = [];
  let faces = 0;
  for (let r = 0; r < cfg.reps; r++) {
    const d: number[] = [];
    const c: number[] = [];
    const s: number[] = [];
    for (const f of frames) {
      let t = performance.now();
      const boxes = await detector.detect(f);
      d.push(performance.now() - t);
      if (boxes[0]) faces++;
      t = performance.now();
      await cutPortrait(f, boxes[0] ?? null);
      c.push(performance.now() - t);
      t = performance.now();
      scoreSharpness(f, boxes[0]);
      scoreSharpness(f);
      s.push((performance.now() - t) / 2);
    }
    det.push(median(d));
    cut.push(median(c));
    sharp.push(median(s));
  }
  ctx.log(`  detect ${median(det).toFixed(1)} ms/frame, crop ${median(cut).toFixed(1)} ms/frame, face found in ${faces}/${frames.length * cfg.reps} frames`);
  return {
    id: 'portrait_stage',
    title: `6. Portrait stage per frame (640x360 RGB, ${frames.length} frames x ${cfg.reps})`,
    figures: [
      figure('detect_ms', 'face detection (letterbox + blazeface, wasm)', 'ms', spread(det)),
      figure('crop_ms', 'portrait crop (extract + 512 px + WebP)', 'ms', spread(cut)),
      figure('sharpness_ms', 'sharpness score (info)', 'ms', spread(sharp)),
    ],
    details: { modelLoadMs: loadMs, humanInitMs: loaded.initMs, backend: loaded.backend, faceFrames: faces, frames: frames.length * cfg.reps },
  };
}

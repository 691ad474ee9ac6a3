/**
 * Figure 1: create-character latency against the floor. Each round runs one bare pipeline
 * (bench/floor.ts) on the local copy of the source, then one synchronous
 * POST /sora/v1/characters of the same window of the same file served over loopback, timed
 * client-side (request sent -> settled character received). A warm-up creation runs first
 * (the face model loads lazily on the first one). Ratios: p50 and p95 of the creations over the
 * median floor; min/max of a ratio are those of the per-round ratios.
 */
import { floorOnce, SPEC_720P } from './floor.js';
import type { BenchContext } from './support/context.js';
import { figure, type Section } from './support/figures.js';
import { createReady } from './support/http.js';
import { WINDOW } from './support/inputs.js';
import { quantile, spread } from './support/stats.js';

export async function createLatency(ctx: BenchContext): Promise<Section> {
  const { service, origin, inputs, cfg } = ctx;
  const spec = { src: inputs.short, start: WINDOW.start, end: WINDOW.end, ...SPEC_720P };
  const warm = await createReady(service.url, origin.url('short'), WINDOW);
  await floorOnce(spec);
  ctx.log(`  warm-up creation ${warm.ms.toFixed(0)} ms (face model load included)`);

  const floors: number[] = [];
  const creates: number[] = [];
  for (let i = 0; i < cfg.latencyRounds; i++) {
    floors.push(await floorOnce(spec));
    creates.push((await createReady(service.url, origin.url('short'), WINDOW)).ms);
    ctx.log(`  round ${i + 1}/${cfg.latencyRounds}: floor ${floors[i].toFixed(0)} ms, create ${creates[i].toFixed(0)} ms`);
  }
  const floor = spread(floors);
  const c = spread(creates);
  const p50 = quantile(creates, 0.5);
  const p95 = quantile(creates, 0.95);
  const perRound = creates.map((x, i) => x / floors[i]);
  const r = spread(perRound);
  return {
    id: 'create_latency',
    title: '1. Create-character latency vs floor (2 s window, 10 s 720p source)',
    figures: [
      figure('floor_ms', 'floor: bare trim + bare frame decode + bare reference cut', 'ms', floor),
      figure('create_p50_ms', 'create p50 (client-side, sync POST)', 'ms', { ...c, median: p50 }),
      figure('create_p95_ms', 'create p95', 'ms', { ...c, median: p95 }),
      figure('create_p50_ratio', 'create p50 / floor', 'x', { median: p50 / floor.median, min: r.min, max: r.max, n: r.n }, { op: '<=', value: 1.0 }),
      figure(
        'create_p95_ratio',
        'create p95 / floor (never above)',
        'x',
        { median: p95 / floor.median, min: r.min, max: r.max, n: r.n },
        { op: '<=', value: 1.3 },
      ),
    ],
    details: { window: WINDOW, floorsMs: floors, createsMs: creates, warmupMs: warm.ms },
  };
}

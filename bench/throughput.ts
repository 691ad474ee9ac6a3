/**
 * Figure 3: throughput. At each concurrency c, a batch of creations with c requests in flight
 * (the service works WORKER_CONCURRENCY=2 of them at once, its default), then the same number of
 * bare pipelines with c at once (bench/floor.ts). Creations per second = batch / wall time.
 * The figure is service / floor, one ratio per repetition (median, min, max).
 */
import { floorBatch, SPEC_720P } from './floor.js';
import type { BenchContext } from './support/context.js';
import { type Figure, figure, type Section } from './support/figures.js';
import { createReady } from './support/http.js';
import { WINDOW } from './support/inputs.js';
import { pooled, spread } from './support/stats.js';

export async function throughput(ctx: BenchContext): Promise<Section> {
  const { service, origin, inputs, cfg } = ctx;
  const spec = { src: inputs.short, start: WINDOW.start, end: WINDOW.end, ...SPEC_720P };
  const figures: Figure[] = [];
  const details: Record<string, unknown> = {};
  for (const c of cfg.throughputLevels) {
    const batch = cfg.batchSize(c);
    const svc: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < cfg.reps; i++) {
      const t0 = performance.now();
      await pooled(batch, c, () => createReady(service.url, origin.url('short'), WINDOW));
      svc.push(batch / ((performance.now() - t0) / 1000));
      bare.push(batch / ((await floorBatch(spec, batch, c)) / 1000));
      ctx.log(`  c=${c} rep ${i + 1}/${cfg.reps}: service ${svc[i].toFixed(2)}/s, floor ${bare[i].toFixed(2)}/s (${batch} each)`);
    }
    const s = spread(svc);
    const f = spread(bare);
    const r = spread(svc.map((x, i) => x / bare[i]));
    figures.push(
      figure(`c${c}_service_per_s`, `c=${c}: service creations/s`, '/s', s),
      figure(`c${c}_floor_per_s`, `c=${c}: floor pipelines/s`, '/s', f),
      figure(`c${c}_ratio`, `c=${c}: service / floor`, 'x', r, { op: '>=', value: 1.0 }),
    );
    details[`c${c}`] = { batch, servicePerSec: svc, floorPerSec: bare };
  }
  return { id: 'throughput', title: '3. Throughput (creations per second) vs floor at the same concurrency', figures, details };
}

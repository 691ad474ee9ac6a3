/**
 * Figure 2: cost against source length. The same 2 s window (same position inside the same
 * 10 s segment) of the 10 s source and of the 30-minute source (that segment looped by stream
 * copy: same encoding), both served by the loopback origin, which honours Range. Rounds
 * alternate the two; the figure is median(30 min) / median(10 s), min/max of the per-round
 * ratios. The bytes the origin sent per creation are recorded too.
 */
import type { BenchContext } from './support/context.js';
import { figure, type Section } from './support/figures.js';
import { createReady } from './support/http.js';
import { LONG_WINDOW, WINDOW } from './support/inputs.js';
import { spread } from './support/stats.js';

export async function sourceLength(ctx: BenchContext): Promise<Section> {
  const { service, origin, cfg } = ctx;
  // Warm the long path once (first range relay, first seek).
  await createReady(service.url, origin.url('long'), LONG_WINDOW);
  origin.takeRequests('long');
  const shorts: number[] = [];
  const longs: number[] = [];
  const shortBytes: number[] = [];
  const longBytes: number[] = [];
  let longRequests: Array<{ range: string | null; bytes: number }> = [];
  for (let i = 0; i < cfg.reps; i++) {
    let b = origin.bytesSent('short');
    shorts.push((await createReady(service.url, origin.url('short'), WINDOW)).ms);
    shortBytes.push(origin.bytesSent('short') - b);
    b = origin.bytesSent('long');
    longs.push((await createReady(service.url, origin.url('long'), LONG_WINDOW)).ms);
    longBytes.push(origin.bytesSent('long') - b);
    longRequests = origin.takeRequests('long');
    ctx.log(
      `  round ${i + 1}/${cfg.reps}: 10 s source ${shorts[i].toFixed(0)} ms (${(shortBytes[i] / 1e6).toFixed(1)} MB), 30 min source ${longs[i].toFixed(0)} ms (${(longBytes[i] / 1e6).toFixed(1)} MB)`,
    );
  }
  const s = spread(shorts);
  const l = spread(longs);
  const r = spread(longs.map((x, i) => x / shorts[i]));
  return {
    id: 'source_length',
    title: '2. Source length: 2 s window of a 30 min source vs a 10 s source (Range honoured)',
    figures: [
      figure('short_ms', 'create, 10 s source', 'ms', s),
      figure('long_ms', `create, ${(ctx.inputs.longDurationSec / 60).toFixed(0)} min source`, 'ms', l),
      figure('long_over_short', '30 min / 10 s', 'x', { median: l.median / s.median, min: r.min, max: r.max, n: r.n }, { op: '<=', value: 1.2 }),
      figure('short_mb_read', 'bytes fetched from origin, 10 s source', 'MB', spread(shortBytes.map((x) => x / 1e6))),
      figure('long_mb_read', 'bytes fetched from origin, 30 min source', 'MB', spread(longBytes.map((x) => x / 1e6))),
    ],
    details: { shortMs: shorts, longMs: longs, shortBytes, longBytes, lastLongCreationRequests: longRequests },
  };
}

/**
 * Figure 4: memory. A fresh service process (embedded defaults, MAX_SOURCE_BYTES 512 MiB),
 * its RSS sampled from /proc/<pid>/status every 50 ms (the figure is the server process alone;
 * with its ffmpeg children it is reported as information).
 *  a. download: a synchronous creation from the big source (~500 MB; quick ~50 MB) served by an
 *     origin WITHOUT Range support, so the whole body must be streamed to disk. The peak covers
 *     request start -> the origin has sent the last byte; the whole creation's peak is noted too.
 *  b. 8 creations at once (10 s source).
 * One warm-up creation first, so the face model is loaded as in a running service.
 */
import type { BenchContext } from './support/context.js';
import { figure, type Section } from './support/figures.js';
import { createCharacter, createReady } from './support/http.js';
import { BIG_WINDOW, WINDOW } from './support/inputs.js';
import { readRss, sampleRss, startService } from './support/service.js';
import { spread } from './support/stats.js';

const MB = 1024 * 1024;

export async function memory(ctx: BenchContext): Promise<Section> {
  const { origin, inputs, cfg } = ctx;
  const service = await startService();
  const sampler = sampleRss(service.pid, 50);
  try {
    const idle = await readRss(service.pid);
    await createReady(service.url, origin.url('short'), WINDOW);
    const afterWarm = await readRss(service.pid);
    const dl: number[] = [];
    const dlWhole: number[] = [];
    const dlTree: number[] = [];
    const statuses: string[] = [];
    for (let i = 0; i < cfg.reps; i++) {
      sampler.mark();
      const sent = origin.nextFullSend('big');
      const creating = createCharacter(service.url, origin.url('big'), BIG_WINDOW);
      await Promise.race([sent, creating]);
      const atDownload = sampler.peak();
      const res = await creating;
      const whole = sampler.peak();
      statuses.push(`${res.status} ${res.body.status ?? res.body.error?.code ?? ''}`);
      dl.push(atDownload.serverBytes / MB);
      dlWhole.push(whole.serverBytes / MB);
      dlTree.push(whole.treeBytes / MB);
      ctx.log(
        `  download rep ${i + 1}/${cfg.reps}: peak RSS ${dl[i].toFixed(0)} MiB during the ${(inputs.bigBytes / 1e6).toFixed(0)} MB download, ${dlWhole[i].toFixed(0)} MiB over the creation (${statuses[i]}, ${(res.ms / 1000).toFixed(1)} s)`,
      );
    }
    const par: number[] = [];
    const parTree: number[] = [];
    for (let i = 0; i < cfg.reps; i++) {
      sampler.mark();
      await Promise.all(Array.from({ length: 8 }, () => createReady(service.url, origin.url('short'), WINDOW)));
      const p = sampler.peak();
      par.push(p.serverBytes / MB);
      parTree.push(p.treeBytes / MB);
      ctx.log(`  8 creations rep ${i + 1}/${cfg.reps}: peak RSS ${par[i].toFixed(0)} MiB (with ffmpeg children ${parTree[i].toFixed(0)} MiB)`);
    }
    const end = await readRss(service.pid);
    return {
      id: 'memory',
      title: `4. Server peak RSS (${(inputs.bigBytes / 1e6).toFixed(0)} MB download; 8 creations at once)`,
      figures: [
        figure('download_peak_mib', `peak RSS during a ${(inputs.bigBytes / 1e6).toFixed(0)} MB download`, 'MiB', spread(dl), { op: '<=', value: 250 }),
        figure('download_creation_peak_mib', '  same, over the whole creation', 'MiB', spread(dlWhole), { op: '<=', value: 250 }),
        figure('parallel8_peak_mib', 'peak RSS while 8 creations run', 'MiB', spread(par), { op: '<=', value: 250 }),
        figure('parallel8_tree_peak_mib', '  same, server + ffmpeg children (info)', 'MiB', spread(parTree)),
      ],
      details: {
        bigBytes: inputs.bigBytes,
        idleRssMiB: idle ? idle.rss / MB : null,
        afterWarmupRssMiB: afterWarm ? afterWarm.rss / MB : null,
        endRssMiB: end ? end.rss / MB : null,
        vmHwmMiB: end ? end.hwm / MB : null,
        downloadTreePeakMiB: dlTree,
        bigCreationStatuses: statuses,
      },
    };
  } finally {
    await sampler.stop();
    await service.stop();
  }
}

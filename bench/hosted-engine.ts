/**
 * Figure 8: the hosted-engine adapter's own overhead per task. The service runs as `npm start`
 * does with ENGINE_MODELS routing sora-2 to the fal engine, against the loopback fake of the fal
 * queue (test/support/fakes/fal-queue.ts) returning a 4 s 720x1280 MP4. The fake turns a job
 * COMPLETED in its answer to a status poll, so waiting for the next poll is not counted: the
 * figure runs from that answer (the upstream done) to the first 200 of
 * GET /v1/videos/{id}/content, fully read (a client polling it every 5 ms). It holds the
 * result GET, the download through the SSRF-safe fetcher, ffprobe, the thumbnail and
 * spritesheet made with ffmpeg, the blob store writes and the task's update. Tasks run one at a time.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeFalQueue } from '../test/support/fakes/fal-queue.js';
import { makeUpstreamVideo } from '../test/support/fal-fixtures.js';
import type { BenchConfig } from './support/context.js';
import { figure, type Section } from './support/figures.js';
import { BENCH_KEY, startService } from './support/service.js';
import { sleep, spread } from './support/stats.js';

const SEEDANCE = 'bytedance/seedance-2.0/reference-to-video';

export async function hostedEngine(ctx: { cfg: BenchConfig; log(line: string): void }): Promise<Section> {
  const tasks = ctx.cfg.quick ? 3 : 10;
  const dir = await mkdtemp(join(tmpdir(), 'sc-bench-fal-'));
  const video = await makeUpstreamVideo(dir, { width: 720, height: 1280, seconds: 4 });
  const fake = await startFakeFalQueue({ video });
  const service = await startService({
    ENGINE_MODELS: `sora-2=fal:${SEEDANCE}`,
    FAL_KEY: fake.key,
    FAL_QUEUE_URL: fake.url,
    ENGINE_POLL_INTERVAL_MS: '100',
  });
  const auth = { authorization: `Bearer ${BENCH_KEY}` };
  const overhead: number[] = [];
  const total: number[] = [];
  try {
    for (let i = 0; i <= tasks; i++) {
      const before = fake.submits().length;
      const t0 = performance.now();
      const res = await fetch(`${service.url}/v1/videos`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: `bench task ${i}`, seconds: '4' }),
      });
      if (res.status !== 200) throw new Error(`POST /v1/videos answered ${res.status}: ${await res.text()}`);
      const { id } = (await res.json()) as { id: string };
      while (fake.submits().length === before) await sleep(5);
      const completed = fake.whenCompleted(fake.submits()[before].requestId);
      let served = 0;
      for (let tries = 0; ; tries++) {
        const got = await fetch(`${service.url}/v1/videos/${id}/content`, { headers: auth });
        const body = Buffer.from(await got.arrayBuffer());
        if (got.status === 200) {
          if (!body.equals(video)) throw new Error('the content is not the upstream video');
          served = performance.now();
          break;
        }
        if (tries > 12_000) throw new Error(`video ${id} was not served within a minute`);
        await sleep(5);
      }
      // The first task warms the process (JIT, first ffmpeg run); it is not counted.
      if (i > 0) {
        overhead.push(served - (await completed));
        total.push(served - t0);
      }
    }
  } finally {
    await service.stop();
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  }
  const s = spread(overhead);
  ctx.log(`hosted engine: overhead median ${s.median.toFixed(0)} ms (min ${s.min.toFixed(0)}, max ${s.max.toFixed(0)}) over ${s.n} tasks`);
  return {
    id: 'hosted_engine',
    title: 'Hosted engine (fal, fake upstream): adapter overhead per task',
    figures: [
      figure(
        'hosted_overhead_ms',
        'upstream COMPLETED -> content served',
        'ms',
        s,
        undefined,
        '4 s 720x1280 MP4; result GET, download, ffprobe, previews, blob writes, task update',
      ),
      figure('hosted_task_total_ms', 'POST /v1/videos -> content served (fake upstream, 2 polls of 100 ms)', 'ms', spread(total)),
    ],
  };
}

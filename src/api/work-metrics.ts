import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { JobCountState, JobType } from '../jobs/ports.js';

export interface WorkMetrics {
  /** The Prometheus registry /metrics merges in (the API's and the worker's listener alike). */
  registry: Registry;
  /** A character this process made settled. */
  characterSettled(status: 'ready' | 'failed'): void;
  /** A job's first run started, `waitedMs` after it was due. */
  jobStarted(type: JobType, waitedMs: number): void;
}

/**
 * The work metrics of one process: characters made and failed by its jobs (counters), the queue's
 * jobs by type and state (gauges, read from the queue at each scrape: every process sharing the
 * queue reports the same), and queue latency (histogram of enqueue-to-first-start of the jobs it ran).
 */
export function createWorkMetrics(opts: { jobCounts: () => Promise<{ type: JobType; state: JobCountState; count: number }[]> }): WorkMetrics {
  const registry = new Registry();
  const made = new Counter({ name: 'sora_characters_characters_made_total', help: 'Characters made (ready) by this process', registers: [registry] });
  const failed = new Counter({ name: 'sora_characters_characters_failed_total', help: 'Characters that failed in this process', registers: [registry] });
  new Gauge({
    name: 'sora_characters_jobs',
    help: 'Jobs by type and state (queued, running, failed) in the shared queue',
    labelNames: ['type', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      // The queue unreachable: no samples this scrape (/readyz says why), never a failed scrape.
      const counts = await opts.jobCounts().catch(() => []);
      for (const c of counts) this.set({ type: c.type, state: c.state }, c.count);
    },
  });
  const latency = new Histogram({
    name: 'sora_characters_job_queue_latency_seconds',
    help: 'Time from a job being due (enqueued, or its runAfter) to its first start, by type',
    labelNames: ['type'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
    registers: [registry],
  });
  return {
    registry,
    characterSettled: (status) => (status === 'ready' ? made : failed).inc(),
    jobStarted: (type, waitedMs) => latency.observe({ type }, waitedMs / 1000),
  };
}

import { randomUUID } from 'node:crypto';
import type { JobRecord, JobRepo } from '../../records/ports.js';
import type { JobHandlers, JobPayloads, JobQueue, JobType } from '../ports.js';

export interface InProcessQueueOptions {
  concurrency: number;
  maxAttempts: number;
  /** How often a running job proves its worker alive, and after how long silence it counts as lost. */
  heartbeatMs?: number;
  staleAfterMs?: number;
  /** Idle poll, for jobs enqueued by other processes sharing the store. */
  pollMs?: number;
  /** True when this process alone runs the store's jobs (SQLite): every running job at boot was lost. */
  exclusive: boolean;
  log?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** The workers' scratch space (src/jobs/inprocess/scratch-space.ts): opened at start, removed at stop. */
  scratch?: { open(): Promise<void>; close(): Promise<void> };
}

/**
 * The embedded queue: jobs are rows in the store, so a restart finds them again. A job left
 * `running` by a dead process is requeued; a job that keeps dying fails after maxAttempts.
 */
export function createInProcessQueue(jobs: JobRepo, opts: InProcessQueueOptions): JobQueue {
  const workerId = `w_${randomUUID()}`;
  const heartbeatMs = opts.heartbeatMs ?? 10_000;
  const staleAfterMs = opts.staleAfterMs ?? 60_000;
  const pollMs = opts.pollMs ?? 1_000;
  let handlers: JobHandlers = {};
  let running = 0;
  let stopped = true;
  let wake: (() => void) | null = null;
  const inFlight = new Map<string, { done: Promise<void>; abort: AbortController }>();
  let loop: Promise<void> | null = null;
  let staleTimer: NodeJS.Timeout | null = null;

  const nudge = () => {
    const w = wake;
    wake = null;
    w?.();
  };

  async function runOne(job: JobRecord, abort: AbortController): Promise<void> {
    const handler = handlers[job.type as JobType] as ((p: unknown, c: object) => Promise<void>) | undefined;
    const beat = setInterval(() => {
      jobs.heartbeat(job.id, workerId, Date.now()).catch(() => {});
    }, heartbeatMs);
    beat.unref();
    try {
      if (!handler) throw new Error(`no handler for job type ${job.type}`);
      await handler(job.payload, {
        attempt: job.attempts,
        maxAttempts: opts.maxAttempts,
        signal: abort.signal,
      });
      await jobs.complete(job.id);
    } catch (err) {
      // Aborted by stop(): left running, so the next start requeues it.
      if (abort.signal.aborted) return;
      const message = err instanceof Error ? err.message : String(err);
      opts.log?.error({ err, jobId: job.id, type: job.type }, 'job failed');
      await jobs.fail(job.id, message).catch(() => {});
    } finally {
      clearInterval(beat);
    }
  }

  async function pump(): Promise<void> {
    const types = Object.keys(handlers);
    while (!stopped) {
      if (running >= opts.concurrency) {
        await new Promise<void>((r) => (wake = r));
        continue;
      }
      const job = await jobs.claim(workerId, types, Date.now()).catch((err) => {
        opts.log?.error({ err }, 'claiming a job failed');
        return null;
      });
      if (!job) {
        if (stopped) break;
        await new Promise<void>((r) => {
          wake = r;
          setTimeout(nudge, pollMs).unref();
        });
        continue;
      }
      running++;
      const abort = new AbortController();
      const done = runOne(job, abort).finally(() => {
        running--;
        inFlight.delete(job.id);
        nudge();
      });
      inFlight.set(job.id, { done, abort });
    }
  }

  return {
    async enqueue<T extends JobType>(type: T, payload: JobPayloads[T], o?: { id?: string; runAfter?: number }) {
      await jobs.enqueue({ id: o?.id ?? `job_${randomUUID()}`, type, payload, runAfter: o?.runAfter });
      nudge();
    },
    async start(h: JobHandlers) {
      handlers = h;
      stopped = false;
      await opts.scratch?.open();
      const lockedBefore = opts.exclusive ? Date.now() + 1 : Date.now() - staleAfterMs;
      const requeued = await jobs.requeueStale({ lockedBefore });
      if (requeued > 0) opts.log?.warn({ requeued }, 'resuming jobs left running by a previous process');
      if (!opts.exclusive) {
        staleTimer = setInterval(() => {
          jobs.requeueStale({ lockedBefore: Date.now() - staleAfterMs }).catch(() => {});
        }, staleAfterMs / 2);
        staleTimer.unref();
      }
      loop = pump();
    },
    async stop(graceMs = 10_000) {
      stopped = true;
      nudge();
      if (staleTimer) clearInterval(staleTimer);
      await loop;
      const all = Promise.all([...inFlight.values()].map((f) => f.done));
      const timer = new Promise<void>((r) => setTimeout(r, graceMs).unref());
      await Promise.race([all, timer]);
      for (const f of inFlight.values()) f.abort.abort();
      await all;
      await opts.scratch?.close();
    },
    depth: (types) => jobs.countQueued(types),
    async ping() {
      await jobs.countQueued();
    },
  };
}

import { randomUUID } from 'node:crypto';
import type { JobRecord, JobRepo } from '../../records/ports.js';
import { retryDelayMs, runWithAttempts } from '../attempts.js';
import {
  JOB_TYPES,
  type JobConcurrency,
  type JobCountState,
  type JobDefinition,
  type JobHandlers,
  type JobPayloads,
  type JobQueue,
  type JobStartObserver,
  type JobType,
} from '../ports.js';

export interface InProcessQueueOptions {
  /** Jobs of each type run at once by this process; a number gives every type the same. */
  concurrency: number | JobConcurrency;
  maxAttempts: number;
  /** How often a running job proves its worker alive, and after how long silence it counts as lost. */
  heartbeatMs?: number;
  staleAfterMs?: number;
  /** Idle poll, for jobs enqueued by other processes sharing the store. */
  pollMs?: number;
  /** Base of the backoff before a job whose run threw runs again (src/jobs/attempts.ts). */
  retryBaseMs?: number;
  /** True when this process alone runs the store's jobs (SQLite): every running job at boot was lost. */
  exclusive: boolean;
  log?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** The workers' scratch space (src/jobs/inprocess/scratch-space.ts): opened at start, removed at stop. */
  scratch?: { open(): Promise<void>; close(): Promise<void> };
  onStart?: JobStartObserver;
}

/**
 * The embedded queue: jobs are rows in the store, so a restart finds them again. A job left
 * `running` by a dead process is requeued; the attempts rule (src/jobs/attempts.ts) settles a job
 * that keeps dying or throwing. Each job type has its own pump and concurrency.
 */
export function createInProcessQueue(jobs: JobRepo, opts: InProcessQueueOptions): JobQueue {
  const workerId = `w_${randomUUID()}`;
  const heartbeatMs = opts.heartbeatMs ?? 10_000;
  const staleAfterMs = opts.staleAfterMs ?? 60_000;
  const pollMs = opts.pollMs ?? 1_000;
  const concurrencyOf = (type: JobType) => (typeof opts.concurrency === 'number' ? opts.concurrency : opts.concurrency[type]);
  let handlers: JobHandlers | null = null;
  let stopped = true;
  const inFlight = new Map<string, { done: Promise<void>; abort: AbortController }>();
  const pumps: Pump[] = [];
  let staleTimer: NodeJS.Timeout | null = null;

  async function runOne(job: JobRecord, abort: AbortController): Promise<void> {
    const type = job.type as JobType;
    const def = handlers?.[type] as JobDefinition<JobType> | undefined;
    const beat = setInterval(() => {
      jobs.heartbeat(job.id, workerId, Date.now()).catch(() => {});
    }, heartbeatMs);
    beat.unref();
    try {
      if (!def) throw new Error(`no handler for job type ${job.type}`);
      opts.onStart?.(type, Math.max(0, Date.now() - Math.max(job.createdAt, job.runAfter)));
      const outcome = await runWithAttempts(
        type,
        def,
        job.payload as JobPayloads[JobType],
        { attempt: job.attempts, maxAttempts: opts.maxAttempts, signal: abort.signal },
        opts.log,
      );
      if (outcome.kind === 'done') await jobs.complete(job.id);
      // stop() aborted it: queued again at once, for the next start or another process.
      else if (outcome.kind === 'handed-back') await jobs.retry(job.id, 'handed back by a stopping worker', Date.now());
      else if (outcome.kind === 'retry') await jobs.retry(job.id, outcome.error.message, Date.now() + retryDelayMs(job.attempts, opts.retryBaseMs));
      else if (outcome.kind === 'exhausted') await jobs.fail(job.id, outcome.error.message);
    } catch (err) {
      opts.log?.error({ err, jobId: job.id, type: job.type }, 'job failed');
      await jobs.fail(job.id, err instanceof Error ? err.message : String(err)).catch(() => {});
    } finally {
      clearInterval(beat);
    }
  }

  interface Pump {
    nudge(): void;
    done: Promise<void>;
  }

  /** One claim loop per job type: at most its concurrency of that type at once. */
  function startPump(type: JobType): Pump {
    let running = 0;
    let wake: (() => void) | null = null;
    const nudge = () => {
      const w = wake;
      wake = null;
      w?.();
    };
    const limit = concurrencyOf(type);
    const loop = async () => {
      while (!stopped) {
        if (running >= limit) {
          await new Promise<void>((r) => (wake = r));
          continue;
        }
        const job = await jobs.claim(workerId, [type], Date.now()).catch((err) => {
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
    };
    return { nudge, done: loop() };
  }

  const nudgeAll = () => {
    for (const p of pumps) p.nudge();
  };

  return {
    async enqueue<T extends JobType>(type: T, payload: JobPayloads[T], o?: { id?: string; runAfter?: number }) {
      await jobs.enqueue({ id: o?.id ?? `job_${randomUUID()}`, type, payload, runAfter: o?.runAfter });
      nudgeAll();
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
      for (const type of JOB_TYPES) if (h[type] && concurrencyOf(type) > 0) pumps.push(startPump(type));
    },
    async stop(graceMs = 10_000) {
      stopped = true;
      nudgeAll();
      if (staleTimer) clearInterval(staleTimer);
      await Promise.all(pumps.splice(0).map((p) => p.done));
      const all = Promise.all([...inFlight.values()].map((f) => f.done));
      const timer = new Promise<void>((r) => setTimeout(r, graceMs).unref());
      await Promise.race([all, timer]);
      for (const f of inFlight.values()) f.abort.abort();
      await all;
      await opts.scratch?.close();
      handlers = null;
    },
    depth: (types) => jobs.countQueued(types),
    async counts() {
      const rows = await jobs.countByState();
      return rows
        .filter((r) => (JOB_TYPES as string[]).includes(r.type))
        .map((r) => ({ type: r.type as JobType, state: r.state as JobCountState, count: r.count }));
    },
    async ping() {
      await jobs.countQueued();
    },
  };
}

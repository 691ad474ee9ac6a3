import { createHash } from 'node:crypto';
import { type Job, Queue, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
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

export interface BullmqQueueOptions {
  /** redis:// or rediss:// (QUEUE_URL). */
  url: string;
  /** Key prefix (QUEUE_PREFIX): processes that share it share the jobs. */
  prefix: string;
  concurrency: JobConcurrency;
  maxAttempts: number;
  /**
   * The job lock (JOB_LOCK_MS). A worker renews it every half of it; a worker killed mid-job stops
   * renewing, and the stalled check (every half of it) hands the job to another worker within
   * about 2 x lockMs.
   */
  lockMs: number;
  /** Base of the backoff before a job whose run threw runs again (src/jobs/attempts.ts). */
  retryBaseMs?: number;
  log?: { info?(obj: object, msg: string): void; warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** The process's scratch space: opened at start, removed at stop. */
  scratch?: { open(): Promise<void>; close(): Promise<void> };
  onStart?: JobStartObserver;
}

/** Completed jobs are kept a week (an enqueue with the same id in that time is a no-op), failed ones a month. */
const KEEP_COMPLETED = { age: 7 * 24 * 3600 };
const KEEP_FAILED = { age: 30 * 24 * 3600 };
/** Redis away: the queue's calls fail after this instead of waiting for it to come back. */
const CALL_TIMEOUT_MS = 5_000;
const PING_TIMEOUT_MS = 2_000;

async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error(`redis did not answer (${what})`)), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** BullMQ refuses ids with ':' (its key separator) and integer ids: such ids are hashed, the same id to the same hash. */
export function bullmqJobId(id: string): string {
  return id.includes(':') || /^\d+$/.test(id) ? `h_${createHash('sha256').update(id).digest('hex').slice(0, 40)}` : id;
}

/**
 * Jobs on Redis through BullMQ: one BullMQ queue per job type, so each type has its own workers
 * and concurrency. Any number of processes enqueue (the API) and work (`sora-characters worker`).
 * The attempts rule is the same as the embedded queue's (src/jobs/attempts.ts): `attemptsStarted`
 * counts every run, including ones whose process died; a job past maxAttempts is exhausted.
 */
export function createBullmqQueue(opts: BullmqQueueOptions): JobQueue {
  // Commands of the enqueuing side fail instead of waiting forever while Redis is away.
  const producer = new Redis(opts.url, { maxRetriesPerRequest: 2, lazyConnect: true });
  producer.on('error', (err) => opts.log?.warn({ err: err.message }, 'redis connection error (queue)'));
  const queues = new Map<JobType, Queue>();
  const queueOf = (type: JobType): Queue => {
    let q = queues.get(type);
    if (!q) {
      q = new Queue(type, { connection: producer, prefix: opts.prefix });
      q.on('error', (err) => opts.log?.warn({ err: err.message, type }, 'bullmq queue error'));
      queues.set(type, q);
    }
    return q;
  };
  const workers: Worker[] = [];
  let workerConnection: Redis | null = null;

  function processorFor<T extends JobType>(type: T, def: JobDefinition<T>) {
    return async (job: Job, token?: string, signal?: AbortSignal): Promise<void> => {
      const attempt = job.attemptsStarted;
      if (attempt === 1) opts.onStart?.(type, Math.max(0, Date.now() - job.timestamp - (job.opts.delay ?? 0)));
      const ctx = { attempt, maxAttempts: opts.maxAttempts, signal: signal ?? new AbortController().signal };
      const outcome = await runWithAttempts(type, def, job.data as JobPayloads[T], ctx, opts.log);
      if (outcome.kind === 'done') return;
      if (outcome.kind === 'retry') throw outcome.error;
      if (outcome.kind === 'exhausted') throw new UnrecoverableError(outcome.error.message);
      // Handed back by a stopping worker: back to wait at once, for another worker.
      await job.moveToWait(token);
      throw new WaitingError();
    };
  }

  /** Waiting to run: now (wait; a paused queue keeps its jobs there too), later (delayed) or by priority. */
  const QUEUED = ['wait', 'delayed', 'prioritized'] as const;

  return {
    async enqueue<T extends JobType>(type: T, payload: JobPayloads[T], o?: { id?: string; runAfter?: number }) {
      const delay = o?.runAfter ? Math.max(0, o.runAfter - Date.now()) : 0;
      await within(
        queueOf(type).add(type, payload, {
          ...(o?.id ? { jobId: bullmqJobId(o.id) } : {}),
          ...(delay > 0 ? { delay } : {}),
          attempts: opts.maxAttempts,
          backoff: { type: 'attempts-rule' },
          removeOnComplete: KEEP_COMPLETED,
          removeOnFail: KEEP_FAILED,
        }),
        CALL_TIMEOUT_MS,
        'enqueue',
      );
    },

    async start(handlers: JobHandlers) {
      await opts.scratch?.open();
      workerConnection = new Redis(opts.url, { maxRetriesPerRequest: null });
      workerConnection.on('error', (err) => opts.log?.warn({ err: err.message }, 'redis connection error (worker)'));
      for (const type of JOB_TYPES) {
        const concurrency = opts.concurrency[type];
        if (concurrency <= 0) continue;
        const def = handlers[type] as JobDefinition<JobType>;
        const worker = new Worker(type, processorFor(type, def), {
          connection: workerConnection,
          prefix: opts.prefix,
          concurrency,
          lockDuration: opts.lockMs,
          stalledInterval: Math.max(500, Math.floor(opts.lockMs / 2)),
          // The attempts rule exhausts a job that keeps dying before BullMQ's own stall limit would.
          maxStalledCount: opts.maxAttempts + 1,
          settings: { backoffStrategy: (attemptsMade: number) => retryDelayMs(attemptsMade, opts.retryBaseMs) },
        });
        worker.on('error', (err) => opts.log?.error({ err, type }, 'bullmq worker error'));
        worker.on('stalled', (jobId) => opts.log?.warn({ jobId, type }, 'job stalled (its worker stopped); it runs again'));
        workers.push(worker);
      }
      await Promise.all(workers.map((w) => w.waitUntilReady()));
    },

    async stop(graceMs = 10_000) {
      const active = workers.splice(0);
      // close() stops taking jobs and waits for the running ones.
      const closed = Promise.all(active.map((w) => w.close()));
      let timer: NodeJS.Timeout | undefined;
      const late = await Promise.race([closed.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs)))]);
      clearTimeout(timer);
      if (late) {
        opts.log?.warn({ graceMs }, 'jobs still running after the grace period: handing them back');
        for (const w of active) w.cancelAllJobs('the worker is stopping');
      }
      await closed;
      await Promise.all([...queues.values()].map((q) => q.close()));
      queues.clear();
      workerConnection?.disconnect();
      workerConnection = null;
      producer.disconnect();
      await opts.scratch?.close();
    },

    async depth(types?: JobType[]) {
      const counts = await within(Promise.all((types ?? JOB_TYPES).map((t) => queueOf(t).getJobCountByTypes(...QUEUED))), CALL_TIMEOUT_MS, 'depth');
      return counts.reduce((a, b) => a + b, 0);
    },

    async counts() {
      const out: { type: JobType; state: JobCountState; count: number }[] = [];
      for (const type of JOB_TYPES) {
        const c = await within(queueOf(type).getJobCounts(...QUEUED, 'active', 'failed'), CALL_TIMEOUT_MS, 'counts');
        out.push({ type, state: 'queued', count: (c.wait ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0) });
        out.push({ type, state: 'running', count: c.active ?? 0 });
        out.push({ type, state: 'failed', count: c.failed ?? 0 });
      }
      return out.filter((c) => c.count > 0);
    },

    async ping() {
      await within(producer.ping(), PING_TIMEOUT_MS, 'ping');
    },
  };
}

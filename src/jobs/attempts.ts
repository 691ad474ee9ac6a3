import type { JobContext, JobDefinition, JobType } from './ports.js';

/** How one run of a job ended, as every queue implementation acts on it. */
export type RunOutcome =
  /** It succeeded. */
  | { kind: 'done' }
  /** It threw with runs left: run it again after a backoff. */
  | { kind: 'retry'; error: Error }
  /** Its runs are spent: `onExhausted` has been called; the job is failed for good. */
  | { kind: 'exhausted'; error: Error }
  /** The worker is stopping and aborted it: hand it back to the queue, no settle. */
  | { kind: 'handed-back' };

interface RunLog {
  error(obj: object, msg: string): void;
}

/**
 * The queue's one rule, shared by every JobQueue implementation: a job gets `ctx.maxAttempts`
 * runs. A run past them (its process kept dying mid-run) is not made: the job is exhausted at
 * once. A run that throws is retried while runs remain, and exhausts the job on the last one.
 * Exhaustion calls the type's `onExhausted` settle function, once.
 */
export async function runWithAttempts<T extends JobType>(
  type: T,
  def: JobDefinition<T>,
  payload: Parameters<JobDefinition<T>['run']>[0],
  ctx: JobContext,
  log?: RunLog,
): Promise<RunOutcome> {
  if (ctx.attempt > ctx.maxAttempts) {
    return exhaust(type, def, payload, new Error(`the job was interrupted ${ctx.attempt - 1} times (its process stopped mid-run)`), log);
  }
  try {
    await def.run(payload, ctx);
    return { kind: 'done' };
  } catch (err) {
    if (ctx.signal.aborted) return { kind: 'handed-back' };
    const error = err instanceof Error ? err : new Error(String(err));
    log?.error({ err: error, type, attempt: ctx.attempt, maxAttempts: ctx.maxAttempts }, 'job run failed');
    if (ctx.attempt >= ctx.maxAttempts) return exhaust(type, def, payload, error, log);
    return { kind: 'retry', error };
  }
}

async function exhaust<T extends JobType>(
  type: T,
  def: JobDefinition<T>,
  payload: Parameters<JobDefinition<T>['run']>[0],
  error: Error,
  log?: RunLog,
): Promise<RunOutcome> {
  try {
    await def.onExhausted(payload, error);
  } catch (err) {
    // Nothing more the queue can do: the job is failed and the record keeps what it had.
    log?.error({ err, type }, 'settling an exhausted job failed');
  }
  return { kind: 'exhausted', error };
}

/** The wait before a thrown job runs again: 1 s, 4 s, 16 s, ... at most a minute (`base` scales it for tests). */
export function retryDelayMs(attempt: number, baseMs = 1000): number {
  return Math.min(baseMs * 4 ** Math.max(0, attempt - 1), 60 * baseMs);
}

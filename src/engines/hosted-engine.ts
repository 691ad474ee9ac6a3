import { resolve } from 'node:path';
import { AppError, isAppError } from '../errors.js';
import type { MediaBinaries } from '../ffmpeg/binaries.js';
import type { Engine, ProgressListener, RenderRequest, RenderResult, UpstreamCheckpoint, UpstreamJobRef } from './ports.js';
import { buildReferenceMedia } from './reference-media.js';
import { keepResult } from './result-media.js';
import { type UpstreamApi, type UpstreamFailure, type UpstreamJob, UpstreamRefusal } from './upstream-api.js';
import { sleep } from './upstream-http.js';

export interface HostedEngineOptions {
  /** The engine's name in ENGINE_MODELS and on the task (`fal`, `ark`). */
  name: string;
  api: UpstreamApi;
  /** Upstream jobs this engine runs at once, counted in the store over every process (ENGINE_CONCURRENCY). */
  concurrency: number;
  /** Time between status polls (ENGINE_POLL_INTERVAL_MS). */
  pollIntervalMs: number;
  /** From the submit on: past it the job is cancelled upstream and the task fails (ENGINE_TASK_TIMEOUT_MS). */
  taskTimeoutMs: number;
  /**
   * Downloads the finished video to `dest` through the SSRF-safe fetcher, capped at
   * MAX_SOURCE_BYTES (the composition root passes src/fetch's fetchToFile).
   */
  download(url: string, dest: string, signal: AbortSignal): Promise<unknown>;
  binaries: MediaBinaries;
  maxMemoryMb?: number;
  /** How long a submit may take; it is not cut short by a shutdown (see render). Default 120 s. */
  submitTimeoutMs?: number;
  now?: () => number;
}

/** What every hosted engine is given besides its adapter: the settings of ENGINE_* and the media tools. */
export type HostedEngineSettings = Pick<HostedEngineOptions, 'concurrency' | 'pollIntervalMs' | 'taskTimeoutMs' | 'download' | 'binaries' | 'maxMemoryMb'>;

/** The render of a hosted engine is `in_progress` up to this share; the rest is download and previews. */
const UPSTREAM_SHARE = 95;

/**
 * Turns an upstream adapter into an Engine that is durable, restart-safe and cancellable:
 *
 * 1. A run that finds the upstream job on the task (`req.upstream.state`) resumes polling it and
 *    never submits again. One that finds a submit begun but no id (the process died during the
 *    submit's round trip) fails the task with `engine_error` rather than risk a second upstream
 *    job: at most one submit per task, ever.
 * 2. Otherwise it prepares the reference media, takes one of the engine's upstream slots (counted
 *    in the store, so the limit holds over every process; it waits while all are taken), which
 *    also records the submit as begun, submits, and writes the upstream id on the task before
 *    anything else. The submit is not aborted by a shutdown (its own timeout only), so only a
 *    crash inside that one HTTP round trip leaves a task `submitting`.
 * 3. It polls until the upstream completes or fails; each poll first checks that the task still
 *    exists (a DELETE from any process removes the row) and cancels upstream when it does not,
 *    or when the task timeout has passed. A shutdown (the signal) stops polling and leaves the
 *    upstream job running for the next run.
 * 4. The result is downloaded at once (upstream links expire) and the thumbnail and spritesheet
 *    are made locally with ffmpeg; the render job then keeps all three in the blob store.
 */
export function createHostedEngine(opts: HostedEngineOptions): Engine {
  const { name, api } = opts;
  const now = opts.now ?? Date.now;
  const submitTimeoutMs = opts.submitTimeoutMs ?? 120_000;

  const failed = (f: UpstreamFailure, cause?: unknown) =>
    f.moderation
      ? new AppError('moderation_blocked', f.message || `The ${name} engine refused the content.`, { cause })
      : new AppError('engine_error', `The ${name} engine failed: ${f.code}: ${f.message}`, { cause });

  async function cancelUpstream(job: UpstreamJob) {
    await api.cancel(job, AbortSignal.timeout(30_000)).catch(() => undefined);
  }

  async function submitOnce(req: RenderRequest, cp: UpstreamCheckpoint, model: string, signal: AbortSignal): Promise<UpstreamJobRef> {
    const render = {
      taskId: req.taskId,
      model,
      prompt: req.prompt,
      width: req.width,
      height: req.height,
      seconds: req.seconds,
      ...(await buildReferenceMedia(req)),
    };
    api.validate?.(render);
    for (;;) {
      const at = now();
      if (await cp.claimSlot(opts.concurrency, model, at)) {
        const id = await api.submit(render, AbortSignal.timeout(submitTimeoutMs));
        const job = { id, model, submittedAt: at };
        await cp.recordSubmitted(job);
        return job;
      }
      if (!(await cp.exists())) throw new AppError('engine_error', 'The video was deleted before it was sent upstream.');
      await sleep(opts.pollIntervalMs, signal);
    }
  }

  return {
    name,
    abandon: cancelUpstream,
    async render(req: RenderRequest, onProgress: ProgressListener, signal: AbortSignal): Promise<RenderResult> {
      const cp = req.upstream;
      if (!cp) throw new AppError('internal_error', `The ${name} engine needs the task's upstream checkpoint.`);
      let last = -1;
      const report = (p: number) => {
        const v = Math.max(0, Math.min(100, Math.floor(Number.isFinite(p) ? p : 0)));
        if (v > last) {
          last = v;
          onProgress(v);
        }
      };
      try {
        if (signal.aborted) throw signal.reason;
        report(0);
        const state = cp.state;
        if (state.phase === 'submitting') {
          throw new AppError(
            'engine_error',
            `The ${name} engine was interrupted while sending the video upstream; it is not sent twice (that could start a second paid job). Create the video again.`,
          );
        }
        let job: UpstreamJobRef;
        if (state.phase === 'submitted') job = state.job;
        else {
          const model = req.upstreamModel;
          if (!model) throw new AppError('internal_error', `The model has no upstream model for the ${name} engine.`);
          job = await submitOnce(req, cp, model, signal);
        }
        const deadline = job.submittedAt + opts.taskTimeoutMs;
        for (;;) {
          if (signal.aborted) throw signal.reason;
          if (!(await cp.exists())) {
            await cancelUpstream(job);
            throw new AppError('engine_error', 'The video was deleted; its upstream job was cancelled.');
          }
          if (now() > deadline) {
            await cancelUpstream(job);
            throw new AppError(
              'engine_error',
              `The ${name} engine did not finish the video within ${Math.round(opts.taskTimeoutMs / 1000)} s; it was cancelled.`,
            );
          }
          // An upstream that does not answer (its retries spent) is asked again at the next poll:
          // only a refusal, a failed job or the task timeout ends the task.
          const st = await api.status(job, signal).catch((e: unknown) => {
            if (signal.aborted || e instanceof UpstreamRefusal) throw e;
            return null;
          });
          if (st === null) {
            await sleep(opts.pollIntervalMs, signal);
            continue;
          }
          if (st.state === 'failed') throw failed(st.failure);
          if (st.state === 'completed') break;
          report(st.progress !== undefined ? Math.min(UPSTREAM_SHARE - 1, st.progress) : estimate(now() - job.submittedAt, st.state));
          await sleep(opts.pollIntervalMs, signal);
        }
        const url = await api.resultUrl(job, signal);
        report(UPSTREAM_SHARE);
        const result = await keepResult(url, resolve(req.workDir), { download: opts.download, binaries: opts.binaries, maxMemoryMb: opts.maxMemoryMb }, signal);
        report(100);
        return result;
      } catch (e) {
        if (signal.aborted) throw new AppError('engine_error', 'The render was stopped.', { cause: signal.reason ?? e });
        if (e instanceof UpstreamRefusal) throw failed(e.failure, e);
        if (isAppError(e)) throw e;
        throw new AppError('engine_error', `The ${name} engine failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
    },
  };
}

/** A progress figure when the upstream gives none: rises with time towards the upstream share. */
function estimate(elapsedMs: number, state: 'queued' | 'in_progress'): number {
  if (state === 'queued') return 1;
  return Math.min(UPSTREAM_SHARE - 1, 2 + (UPSTREAM_SHARE - 3) * (1 - Math.exp(-elapsedMs / 90_000)));
}

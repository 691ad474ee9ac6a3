import { AppError, isAppError } from '../errors.js';
import type { Engine, ProgressListener, RenderRequest, RenderResult } from './ports.js';

export interface UpstreamStatus {
  status: 'queued' | 'in_progress' | 'completed' | 'failed';
  /** 0..100 as the upstream reports it (may be absent or jump back: it is clamped). */
  progress?: number;
  /** The upstream's reason when `failed` (kept as the cause, never shown verbatim). */
  error?: string;
}

/**
 * An upstream video service that is polled: submit, progress, result, cancel. Each call gets the render's signal so a cancel also stops a slow request.
 */
export interface UpstreamVideoApi {
  /** Starts a render upstream (uploading the characters' media as it needs); returns its id. */
  submit(req: RenderRequest, signal: AbortSignal): Promise<string>;
  progress(upstreamId: string, signal: AbortSignal): Promise<UpstreamStatus>;
  /** Downloads the finished variants into `workDir`. */
  result(upstreamId: string, workDir: string, signal: AbortSignal): Promise<RenderResult>;
  /** Best effort; called when the render's signal aborts after submit. */
  cancel(upstreamId: string): Promise<void>;
}

export interface PollingOptions {
  /** Time between polls. Default 2000 ms. */
  intervalMs?: number;
  /** Gives up (and cancels upstream) after this long. Default 30 minutes. */
  timeoutMs?: number;
}

/**
 * Adapts a polled upstream to the Engine port: submit, poll until completed/failed (reporting
 * progress, never decreasing, 100 only once the result is fetched), fetch the result; on abort,
 * cancel upstream and reject.
 */
export function pollingEngine(name: string, api: UpstreamVideoApi, opts: PollingOptions = {}): Engine {
  const intervalMs = opts.intervalMs ?? 2000;
  const timeoutMs = opts.timeoutMs ?? 30 * 60_000;
  return {
    name,
    async render(req: RenderRequest, onProgress: ProgressListener, signal: AbortSignal): Promise<RenderResult> {
      let last = -1;
      const report = (p: number) => {
        const v = Math.min(100, Math.floor(Number.isFinite(p) ? p : 0));
        if (v > last) {
          last = v;
          onProgress(v);
        }
      };
      const cancelled = (cause: unknown) => new AppError('engine_error', 'The render was cancelled.', { cause });
      if (signal.aborted) throw cancelled(signal.reason);
      report(0);
      let upstreamId: string | null = null;
      let timedOut = false;
      const deadline = Date.now() + timeoutMs;
      try {
        upstreamId = await api.submit(req, signal);
        for (;;) {
          if (signal.aborted) throw signal.reason;
          const st = await api.progress(upstreamId, signal);
          if (st.status === 'failed') {
            throw new AppError('engine_error', `The ${name} engine failed to render the video.`, { cause: st.error });
          }
          if (st.status === 'completed') break;
          report(Math.min(99, st.progress ?? 0));
          if (Date.now() > deadline) {
            timedOut = true;
            throw new AppError('engine_error', `The ${name} engine took too long to render the video.`);
          }
          await sleep(intervalMs, signal);
        }
        const result = await api.result(upstreamId, req.workDir, signal);
        report(100);
        return result;
      } catch (e) {
        if (upstreamId !== null && (signal.aborted || timedOut)) {
          await api.cancel(upstreamId).catch(() => undefined);
        }
        if (signal.aborted) throw cancelled(signal.reason);
        if (isAppError(e)) throw e;
        throw new AppError('engine_error', `The ${name} engine failed to render the video.`, { cause: e });
      }
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

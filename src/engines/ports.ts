/**
 * The Engine port: what renders a video task. The engine is chosen by the task's `model`
 * (see registry.ts: ENGINE_MODELS `model=engine[:upstream-model]`); the built-in `local` engine
 * renders an offline preview with ffmpeg, the hosted ones (`fal`, `ark`) render upstream.
 *
 * Why one `render(req, onProgress, signal)` call rather than submit/progress/result/cancel
 * objects: a render runs inside a background job (src/jobs) that already owns the lifecycle:
 * the queue, retries, the AbortSignal for shutdown, and persisting `progress` on the task.
 * A single awaited call with a progress callback maps onto that one to one:
 * - submit   = calling `render`;
 * - progress = `onProgress(percent)` (0..100, never decreasing);
 * - result   = the resolved RenderResult (files in `req.workDir`);
 * - cancel   = the task deleted (hosted engines see `req.upstream.exists()` turn false) or the
 *              signal aborting (the local engine kills ffmpeg).
 * A polled upstream (submit -> upstream id, poll, fetch result, cancel) fits the same port:
 * `createHostedEngine()` in hosted-engine.ts turns an `UpstreamApi` (upstream-api.ts) into an
 * Engine, keeping the upstream job on the task through `req.upstream`.
 */

/** A character taking part in the video. Local files prepared by the caller. */
export interface RenderCharacter {
  id: string;
  username: string;
  displayName: string;
  /** The character's clip (MP4, H.264), looped to fill the video. */
  clipPath: string;
  /** The character's portrait (an image: WebP, PNG or JPEG). */
  portraitPath: string;
  /** 2-4 JPEG reference frames of the character's window (empty for characters made before the reference set). */
  framePaths: string[];
  /** The window's audio, when the clip has sound. */
  voicePath: string | null;
  /**
   * Signed URLs of this service for the same media, set only when PUBLIC_URL is reachable from
   * outside (PUBLIC_URL_REACHABLE=true): hosted engines then send these instead of inline data.
   */
  publicUrls?: { portrait: string; clip: string; frames: string[]; voice: string | null } | null;
}

export interface RenderRequest {
  taskId: string;
  prompt: string;
  /** Output size in pixels: exactly this (even numbers). */
  width: number;
  height: number;
  /** Output length in seconds: exactly this. */
  seconds: number;
  /** An image to start from (shown full for the first second, then as the dimmed background). */
  inputReferencePath: string | null;
  characters: RenderCharacter[];
  /** The video a remix starts from (its first frame becomes the background). */
  remixOfVideoPath: string | null;
  /** A folder the engine owns for this render: inputs it prepares and the outputs go here. */
  workDir: string;
  /** The upstream model of the task's route (ENGINE_MODELS `model=engine:upstream-model`); null for `local`. */
  upstreamModel?: string | null;
  /** Where a hosted engine keeps its upstream job on the task (restart safety); absent for `local`. */
  upstream?: UpstreamCheckpoint;
}

/** The upstream job of a hosted render, as kept on the task. */
export interface UpstreamJobRef {
  /** The upstream's job id (fal `request_id`, Ark task id). */
  id: string;
  /** The upstream model it was submitted to (polling must use the same one, whatever ENGINE_MODELS says later). */
  model: string;
  /** When the slot was taken, unix ms: the task timeout counts from here. */
  submittedAt: number;
}

/**
 * The task's memory of its upstream job, kept in the store by the render job (src/videos), so a
 * resumed or concurrent run never submits twice and a delete from any process is noticed.
 */
export interface UpstreamCheckpoint {
  /**
   * What earlier runs recorded: `none` (never submitted), `submitting` (a run took a slot and was
   * about to submit, then died before the id was written: the upstream may or may not have the job),
   * or `submitted` with the job.
   */
  readonly state: { phase: 'none' } | { phase: 'submitting'; since: number } | { phase: 'submitted'; job: UpstreamJobRef };
  /**
   * Takes one of the engine's `limit` upstream slots for this task and records the submit as
   * begun at `at` (unix ms; durable before it resolves). Counted in the store over every process; false when all
   * slots are taken (the caller waits and tries again). False too when the task is gone.
   */
  claimSlot(limit: number, upstreamModel: string, at: number): Promise<boolean>;
  /** Writes the upstream job id on the task: the first thing done after the upstream accepted it. */
  recordSubmitted(job: UpstreamJobRef): Promise<void>;
  /** False once the task no longer exists (deleted from any process): the engine then cancels upstream. */
  exists(): Promise<boolean>;
}

/** The rendered variants, all inside `req.workDir`. */
export interface RenderResult {
  /** H.264 yuv420p MP4 with an AAC track, faststart. */
  videoPath: string;
  /** WebP, a frame from the middle, at most 1280 px on the long side. */
  thumbnailPath: string;
  /** JPEG tile of evenly spaced frames. */
  spritesheetPath: string;
  durationSec: number;
}

export type ProgressListener = (percent: number) => void;

export interface Engine {
  /** Stable name stored on the task (`engine` column) and used in ENGINE_MODELS. */
  readonly name: string;
  /**
   * Renders the task. Resolves once every variant is written. Rejects with an AppError on failure
   * (`engine_error`, or `moderation_blocked` for an upstream's content-safety refusal); when
   * `signal` aborts (shutdown), the work is stopped and the promise rejects with
   * AppError('engine_error') whose cause is `signal.reason` (callers tell it from a failure by
   * `signal.aborted`). A hosted engine leaves its upstream job running on such an abort (the
   * next run resumes it from `req.upstream`); it cancels upstream when the task is deleted or
   * times out.
   */
  render(req: RenderRequest, onProgress: ProgressListener, signal: AbortSignal): Promise<RenderResult>;
}

/** Where a model goes: ENGINE_MODELS `model=engine[:upstream-model]`. */
export interface ModelRoute {
  engine: string;
  upstreamModel: string | null;
}

export interface EngineRegistry {
  /** The engine for a model; unknown model -> AppError('invalid_parameter', param 'model'). */
  engineFor(model: string): Engine;
  /** The upstream model of a model's route (null for `local`); unknown model -> as engineFor. */
  upstreamModelFor(model: string): string | null;
  /** Every model the service accepts, in a stable order. */
  models(): string[];
}

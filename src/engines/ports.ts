/**
 * The Engine port: what renders a video task. The engine is chosen by the task's `model`
 * (see registry.ts); the built-in `local` engine renders an offline preview with ffmpeg.
 *
 * Why one `render(req, onProgress, signal)` call rather than submit/progress/result/cancel
 * objects: a render runs inside a background job (src/jobs) that already owns the lifecycle —
 * the queue, retries, the AbortSignal for cancel/shutdown, and persisting `progress` on the task.
 * A single awaited call with a progress callback maps onto that one to one:
 * - submit   = calling `render`;
 * - progress = `onProgress(percent)` (0..100, never decreasing);
 * - result   = the resolved RenderResult (files in `req.workDir`);
 * - cancel   = aborting `signal`.
 * An upstream engine that is polled (submit -> upstream id, poll progress, fetch result, cancel)
 * fits the same port without the caller knowing: `pollingEngine()` in polling.ts turns such an
 * `UpstreamVideoApi` into an Engine (it submits, polls on an interval reporting progress,
 * downloads the result into workDir, and cancels upstream when the signal aborts).
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
  /** The character's reference frames (JPEG, 2 to 4, in time order); empty for a character whose set is not made yet. */
  framePaths: string[];
  /** The character's voice sample (MP3); null when its window had no audio. */
  voicePath: string | null;
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
   * Renders the task. Resolves once every variant is written. Rejects with
   * AppError('engine_error') on failure; when `signal` aborts, the work is stopped (ffmpeg
   * killed / upstream job cancelled) and the promise rejects with AppError('engine_error')
   * whose cause is `signal.reason` — callers tell a cancel from a failure by `signal.aborted`.
   */
  render(req: RenderRequest, onProgress: ProgressListener, signal: AbortSignal): Promise<RenderResult>;
}

export interface EngineRegistry {
  /** The engine for a model; unknown model -> AppError('invalid_parameter', param 'model'). */
  engineFor(model: string): Engine;
  /** Every model the service accepts, in a stable order. */
  models(): string[];
}

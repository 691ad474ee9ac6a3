/**
 * The interface of an upstream adapter: what one hosted video service (fal, BytePlus ModelArk)
 * must provide so that `createHostedEngine()` (hosted-engine.ts) runs it durably. An adapter
 * lives in its own folder (`src/engines/<upstream>/`), with where-to-call (`api.ts`: URLs, auth,
 * the HTTP calls through `upstreamRequest()` of upstream-http.ts) apart from what-to-send (one
 * mapping per model family: request body, prompt naming, response reading), and maps every
 * upstream error to `UpstreamFailure` (moderation or not, the upstream's code and message).
 *
 * The framework does everything else: upstream slots (concurrency), the upstream job id kept on
 * the task before anything else, polling, the overall timeout, cancel when the task is deleted,
 * the result downloaded through the SSRF-safe fetcher, thumbnail and spritesheet made locally.
 */

/** A reference medium on its way upstream: an inline `data:` URI, or a signed URL of this service. */
export interface MediaRef {
  url: string;
  /** e.g. image/jpeg, image/png, video/mp4, audio/mp4. */
  contentType: string;
}

/** One character of the task, in the order of `characters` (mentions first, in prompt order). */
export interface UpstreamCharacter {
  username: string;
  displayName: string;
  /** The portrait as JPEG (converted from the stored WebP). */
  portrait: MediaRef;
  /** 2-4 JPEG frames of the window; empty when the character has none (the portrait stands alone). */
  frames: MediaRef[];
  /** The window's audio (voice sample), or null. */
  voice: MediaRef | null;
  /** The trimmed clip: only when PUBLIC_URL is reachable from outside (never inlined), else null. */
  clip: MediaRef | null;
}

/** What an adapter sends upstream for one task. */
export interface UpstreamRender {
  taskId: string;
  /** The upstream model id of the route (e.g. `bytedance/seedance-2.0/reference-to-video`). */
  model: string;
  /** The prompt as the client wrote it; `@username` mentions are the adapter's to rewrite (see prompt-names.ts). */
  prompt: string;
  /** The asked size and length (the task's `size` and `seconds`), for the family's own values. */
  width: number;
  height: number;
  seconds: number;
  characters: UpstreamCharacter[];
  /** The task's `input_reference` image (PNG), or null. */
  inputReference: MediaRef | null;
}

/** The upstream job as kept on the task. */
export interface UpstreamJob {
  id: string;
  model: string;
}

/** An upstream refusal or failure, mapped from the upstream's own shape. */
export interface UpstreamFailure {
  /** A content-safety refusal: the task ends `moderation_blocked`, else `engine_error`. */
  moderation: boolean;
  /** The upstream's own code (e.g. `content_policy_violation`, `OutputVideoSensitiveContentDetected`). */
  code: string;
  /** The upstream's message, shown to the client. */
  message: string;
}

export type UpstreamStatus =
  | { state: 'queued' | 'in_progress' /** 0..100 when the upstream says */; progress?: number }
  | { state: 'completed' }
  | { state: 'failed'; failure: UpstreamFailure };

export interface UpstreamApi {
  /** Checks what the model can be sent before anything is submitted (e.g. a family it does not know): throws UpstreamRefusal. */
  validate?(render: UpstreamRender): void;
  /**
   * Submits the job and returns the upstream's id. Called at most once per task: the framework
   * writes the id on the task before doing anything else. Retries of 429/5xx answers happen
   * inside (upstreamRequest); an answer that refuses the job throws UpstreamRefusal.
   */
  submit(render: UpstreamRender, signal: AbortSignal): Promise<string>;
  status(job: UpstreamJob, signal: AbortSignal): Promise<UpstreamStatus>;
  /**
   * The finished job's video URL (the upstream's link: the framework downloads it at once, through
   * the SSRF-safe fetcher). A job that completed with an error throws UpstreamRefusal.
   */
  resultUrl(job: UpstreamJob, signal: AbortSignal): Promise<string>;
  /** Cancels the job upstream (best effort: the framework ignores a failure). */
  cancel(job: UpstreamJob, signal: AbortSignal): Promise<void>;
}

/** Thrown by adapters (and upstreamRequest) when the upstream refuses or fails a job for good. */
export class UpstreamRefusal extends Error {
  readonly failure: UpstreamFailure;
  constructor(failure: UpstreamFailure, opts: { cause?: unknown } = {}) {
    super(`${failure.code}: ${failure.message}`, { cause: opts.cause });
    this.name = 'UpstreamRefusal';
    this.failure = failure;
  }
}

/**
 * The BytePlus ModelArk content-generation contract, as the official Go SDK declares it:
 * byteplus-sdk/byteplus-go-sdk-v2 `service/arkruntime/model/content_generation.go` (the shapes)
 * and `service/arkruntime/content_generation.go` (the routes: POST/GET/DELETE
 * `{base}/contents/generations/tasks[/{id}]`), with the error body of
 * `service/arkruntime/client.go` (`handleErrorResp`: `{"error": {"code", "message", ...}}`).
 * Only the fields this engine sends or reads are named.
 */

/** A `content[]` item (CreateContentGenerationContentItem): `video_url` and `audio_url` are Seedance 2.0's references. */
export type ArkContentItem =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string }; role?: ArkImageRole }
  | { type: 'video_url'; video_url: { url: string }; role: 'reference_video' }
  | { type: 'audio_url'; audio_url: { url: string }; role: 'reference_audio' };

/** `role` of an image item: a reference of the subject, or the first/last frame of the video. */
export type ArkImageRole = 'reference_image' | 'first_frame' | 'last_frame';

/** CreateContentGenerationTaskRequest (the generation parameters are top-level fields). */
export interface ArkCreateTaskRequest {
  model: string;
  content: ArkContentItem[];
  ratio?: string;
  duration?: number;
  resolution?: string;
  watermark?: boolean;
}

/** CreateContentGenerationTaskResponse. */
export interface ArkCreateTaskResponse {
  id: string;
}

/** The documented task statuses (`model.Status*`, plus `expired` from the API reference). */
export type ArkTaskStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'expired';

/** ContentGenerationError. */
export interface ArkTaskError {
  code: string;
  message: string;
}

/** GetContentGenerationTaskResponse. */
export interface ArkTask {
  id: string;
  model: string;
  status: ArkTaskStatus | string;
  error?: ArkTaskError | null;
  content?: { video_url?: string; last_frame_url?: string };
  created_at?: number;
  updated_at?: number;
  resolution?: string;
  ratio?: string;
  duration?: number;
}

/** The body of a non-2xx answer (model.ErrorResponse). */
export interface ArkErrorBody {
  error?: { code?: string; message?: string; param?: string; type?: string };
}

export const TASKS_PATH = '/contents/generations/tasks';

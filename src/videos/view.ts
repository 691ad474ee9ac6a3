import type { VideoTaskRecord } from '../records/ports.js';

export interface VideoCharacterRef {
  id: string;
  username: string | null;
}

/** The video object of the OpenAI Videos API, plus the resolved characters. */
export interface VideoView {
  id: string;
  object: 'video';
  model: string;
  /** The engine that renders it (ENGINE_MODELS at creation time). */
  engine: string;
  status: VideoTaskRecord['status'];
  progress: number;
  created_at: number;
  completed_at: number | null;
  expires_at: number | null;
  prompt: string;
  size: string;
  seconds: string;
  remixed_from_video_id: string | null;
  error: { code: string; message: string } | null;
  characters: VideoCharacterRef[];
}

export function toVideoView(t: VideoTaskRecord, usernames: Map<string, string>): VideoView {
  return {
    id: t.id,
    object: 'video',
    model: t.model,
    engine: t.engine,
    status: t.status,
    progress: Math.round(t.progress),
    created_at: t.createdAt,
    completed_at: t.completedAt,
    expires_at: t.expiresAt,
    prompt: t.prompt,
    size: t.size,
    seconds: t.seconds,
    remixed_from_video_id: t.remixedFromVideoId,
    error: t.errorCode ? { code: t.errorCode, message: t.errorMessage ?? '' } : null,
    characters: t.characterIds.map((id) => ({ id, username: usernames.get(id) ?? null })),
  };
}

import type { VideoView } from '../../videos/view.js';
import type { DashboardNav } from './nav.js';
import { renderDashboardPage, when } from './page.js';

const running = (v: VideoView) => v.status === 'queued' || v.status === 'in_progress';

function row(v: VideoView) {
  return {
    id: v.id,
    prompt: v.prompt,
    model: v.model,
    engine: v.engine,
    status: v.status,
    progress: v.progress,
    running: running(v),
    size: v.size,
    seconds: v.seconds,
    created: when(v.created_at)!,
    completed: when(v.completed_at),
    error: v.error,
    characters: v.characters.map((c) => c.username ?? c.id),
    videoUrl: v.status === 'completed' ? `/admin/videos/${v.id}/content` : null,
    thumbnailUrl: v.status === 'completed' ? `/admin/videos/${v.id}/content?variant=thumbnail` : null,
  };
}

export interface NewVideoValues {
  prompt?: string;
  model?: string;
  seconds?: string;
  size?: string;
}

export function renderVideosPage(d: {
  nav: DashboardNav;
  videos: VideoView[];
  nextAfter: string | null;
  models: { id: string; engine: string }[];
  values: NewVideoValues;
  error?: string;
}): string {
  const rows = d.videos.map(row);
  return renderDashboardPage('videos', 'Video tasks', d.nav, {
    rows,
    nextAfter: d.nextAfter,
    models: d.models,
    values: d.values,
    error: d.error ?? null,
    sizes: ['720x1280', '1280x720', '1024x1792', '1792x1024'],
    secondsChoices: ['4', '8', '12'],
    pending: rows.some((r) => r.running),
  });
}

export function renderVideoPage(d: { nav: DashboardNav; video: VideoView }): string {
  const v = row(d.video);
  return renderDashboardPage('video', `Video ${v.id}`, d.nav, { v, pending: v.running });
}

import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { videoKeys } from '../blob-keys.js';
import type { BlobStore } from '../blobs/ports.js';
import { unixNow } from '../clock.js';
import type { EngineRegistry, RenderCharacter } from '../engines/ports.js';
import { AppError, isAppError } from '../errors.js';
import type { JobContext, JobDefinition } from '../jobs/ports.js';
import type { Store, VideoTaskRecord } from '../records/ports.js';

export interface RenderVideoDeps {
  store: Pick<Store, 'tasks' | 'characters'>;
  blobs: BlobStore;
  engines: EngineRegistry;
  workDir: string;
  /** Called when a task settles (webhooks). */
  onSettled?: (task: VideoTaskRecord) => Promise<void>;
  log?: { error(obj: object, msg: string): void };
  now?: () => number;
}

/** How often progress is written to the store at most. */
const PROGRESS_WRITE_MS = 500;

/** The render job: prepare the inputs, let the model's engine render, keep the three variants. */
export function createRenderVideoJob(deps: RenderVideoDeps) {
  const { store, blobs } = deps;
  const now = deps.now ?? unixNow;

  async function download(key: string, dest: string, signal: AbortSignal) {
    await pipeline(await blobs.read(key), createWriteStream(dest), { signal });
    return dest;
  }

  async function prepareCharacters(t: VideoTaskRecord, dir: string, signal: AbortSignal): Promise<RenderCharacter[]> {
    const out: RenderCharacter[] = [];
    for (const id of t.characterIds) {
      const c = await store.characters.get(id);
      if (!c || c.status !== 'ready' || !c.clipKey || !c.portraitKey) {
        throw new AppError('cameo_permission_denied', `character ${id} is no longer available`);
      }
      out.push({
        id: c.id,
        username: c.username,
        displayName: c.displayName,
        clipPath: await download(c.clipKey, join(dir, `${c.id}.mp4`), signal),
        portraitPath: await download(c.portraitKey, join(dir, `${c.id}.webp`), signal),
      });
    }
    return out;
  }

  async function render(t: VideoTaskRecord, signal: AbortSignal) {
    await mkdir(deps.workDir, { recursive: true });
    const dir = await mkdtemp(join(deps.workDir, `${t.id}-`));
    try {
      await store.tasks.update(t.id, { status: 'in_progress', progress: 0 });
      const engine = deps.engines.engineFor(t.model);
      const characters = await prepareCharacters(t, dir, signal);
      const inputReferencePath = t.inputReferenceKey ? await download(t.inputReferenceKey, join(dir, 'input-reference'), signal) : null;
      let remixOfVideoPath: string | null = null;
      if (t.remixedFromVideoId) {
        const src = await store.tasks.get(t.remixedFromVideoId);
        if (src?.videoKey) remixOfVideoPath = await download(src.videoKey, join(dir, 'remix-source.mp4'), signal);
      }
      const [width, height] = t.size.split('x').map(Number);
      let lastWrite = 0;
      let pending: Promise<unknown> = Promise.resolve();
      const result = await engine.render(
        { taskId: t.id, prompt: t.prompt, width, height, seconds: Number(t.seconds), inputReferencePath, characters, remixOfVideoPath, workDir: dir },
        (percent) => {
          // The bar stops at 99 until the variants are stored.
          const p = Math.min(99, Math.floor(percent));
          if (Date.now() - lastWrite < PROGRESS_WRITE_MS) return;
          lastWrite = Date.now();
          pending = pending.then(() => store.tasks.update(t.id, { progress: p })).catch(() => {});
        },
        signal,
      );
      await pending;
      const keys = videoKeys(t.id);
      await blobs.putFile(keys.video, result.videoPath, 'video/mp4');
      await blobs.putFile(keys.thumbnail, result.thumbnailPath, 'image/webp');
      await blobs.putFile(keys.spritesheet, result.spritesheetPath, 'image/jpeg');
      return store.tasks.update(t.id, {
        status: 'completed',
        progress: 100,
        completedAt: now(),
        durationSec: result.durationSec,
        videoKey: keys.video,
        thumbnailKey: keys.thumbnail,
        spritesheetKey: keys.spritesheet,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async function settleFailed(t: VideoTaskRecord, err: unknown): Promise<VideoTaskRecord | null> {
    const known = isAppError(err);
    if (!known) deps.log?.error({ err, taskId: t.id }, 'render failed unexpectedly');
    return store.tasks.update(t.id, {
      status: 'failed',
      errorCode: known ? err.code : 'engine_error',
      errorMessage: known ? err.message : 'the video could not be rendered',
      completedAt: null,
    });
  }

  const run = async function renderVideoJob(payload: { taskId: string }, ctx: JobContext): Promise<void> {
    const t = await store.tasks.get(payload.taskId);
    if (!t || t.status === 'completed' || t.status === 'failed') return;
    let settled: VideoTaskRecord | null = null;
    try {
      settled = await render(t, ctx.signal);
      // Deleted while rendering: leave nothing behind.
      if (!settled) await blobs.deletePrefix(videoKeys(t.id).prefix);
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      settled = await settleFailed(t, err);
    }
    if (settled && deps.onSettled) await deps.onSettled(settled).catch(() => {});
  };

  /** The queue's exhaustion rule (src/jobs/attempts.ts): the task settles failed, once. */
  async function onExhausted(payload: { taskId: string }): Promise<void> {
    const t = await store.tasks.get(payload.taskId);
    if (!t || t.status === 'completed' || t.status === 'failed') return;
    const settled = await settleFailed(t, new AppError('internal_error', 'rendering was interrupted too many times'));
    if (settled && deps.onSettled) await deps.onSettled(settled).catch(() => {});
  }

  return { run, onExhausted } satisfies JobDefinition<'video.render'>;
}

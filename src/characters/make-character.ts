import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { characterKeys } from '../blob-keys.js';
import type { BlobStore } from '../blobs/ports.js';
import { unixNow } from '../clock.js';
import { AppError, isAppError } from '../errors.js';
import type { JobContext, JobDefinition } from '../jobs/ports.js';
import type { CharacterRecord, Store } from '../records/ports.js';
import { isDataUrl } from '../source-url.js';
import type { CharacterEvents } from './events.js';
import type { MediaToolkit, ProbeResult, RangeRead, SourceFetcher } from './ports.js';
import { checkWindowInside } from './timestamps.js';

export interface MakeCharacterDeps {
  store: Pick<Store, 'characters' | 'tasks'>;
  blobs: BlobStore;
  fetcher: SourceFetcher;
  media: MediaToolkit;
  events: CharacterEvents;
  /** Told when a character settles (webhooks); never throws. */
  onSettled?: (id: string, status: 'ready' | 'failed') => Promise<void>;
  /** Scratch space for downloads and encodes; each job works in its own folder, removed after. */
  workDir: string;
  log?: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
  now?: () => number;
}

/**
 * The character job: source -> probe -> window check -> one decode into clip + frames -> chosen
 * frame -> portrait -> blobs -> ready. Every failure settles the character as failed with a code.
 */
export function createMakeCharacterJob(deps: MakeCharacterDeps) {
  const { store, blobs, media, events } = deps;
  const now = deps.now ?? unixNow;

  /** The source as a local file, or (large remote sources) as a range read in place. */
  async function bringSource(c: CharacterRecord, dir: string, signal: AbortSignal): Promise<{ path: string } | { range: RangeRead }> {
    const dest = join(dir, 'source');
    if (c.source.kind === 'url' && !isDataUrl(c.source.ref)) return deps.fetcher.fetchOrOpen(c.source.ref, dest, signal);
    const key = c.source.kind !== 'task' ? characterKeys(c.id).upload : (await store.tasks.get(c.source.ref))?.videoKey;
    if (!key) throw new AppError('task_not_found', `video task ${c.source.ref} no longer exists`);
    await pipeline(await blobs.read(key), createWriteStream(dest), { signal });
    return { path: dest };
  }

  /** One decode of the window into the clip and the frames, the frame choice, the portrait; then the frames are let go. */
  async function cutWindow(c: CharacterRecord, src: string, probe: ProbeResult, clipPath: string, signal: AbortSignal) {
    const chooser = media.newFrameChooser();
    try {
      const extraction = await media.extractWindow(src, probe, { startSec: c.startSec, endSec: c.endSec, clipPath }, (f) => chooser.offer(f), signal);
      const choice = await chooser.result();
      if (!choice) throw new AppError('unsupported_media', 'no frame could be decoded inside the window');
      const portrait = await media.cutPortrait(choice.frame, choice.face);
      return { extraction, portrait, face: choice.face, portraitTime: choice.frame.timeSec };
    } finally {
      chooser.dispose();
    }
  }

  async function make(c: CharacterRecord, signal: AbortSignal): Promise<void> {
    await mkdir(deps.workDir, { recursive: true });
    const dir = await mkdtemp(join(deps.workDir, `${c.id}-`));
    const started = Date.now();
    let remote: RangeRead | null = null;
    try {
      const source = await bringSource(c, dir, signal);
      remote = 'range' in source ? source.range : null;
      const src = 'range' in source ? source.range.localUrl : source.path;
      const probe = await media.probe(src, signal);
      checkWindowInside({ startSec: c.startSec, endSec: c.endSec }, probe.durationSec);
      const clipPath = join(dir, 'clip.mp4');
      const { extraction, portrait, face, portraitTime } = await cutWindow(c, src, probe, clipPath, signal);

      const keys = characterKeys(c.id);
      await blobs.putFile(keys.clip, clipPath, 'video/mp4');
      await blobs.putBuffer(keys.portrait, portrait, 'image/webp');
      const updated = await store.characters.update(c.id, {
        status: 'ready',
        portraitKey: keys.portrait,
        clipKey: keys.clip,
        media: {
          source_duration: probe.durationSec,
          source_width: probe.displayWidth,
          source_height: probe.displayHeight,
          source_codec: probe.videoCodec,
          rotation: probe.rotation,
          clip_width: extraction.clip.width,
          clip_height: extraction.clip.height,
          clip_has_audio: extraction.clip.hasAudio,
          frames_sampled: extraction.frameCount,
          portrait_time: Math.round(portraitTime * 1000) / 1000,
          portrait_subject: face ? 'face' : 'salient',
          source_read: remote ? 'range' : 'whole',
          ...(remote ? { source_bytes_read: remote.bytesRead() } : {}),
          processing_ms: Date.now() - started,
        },
        updatedAt: now(),
      });
      if (!updated) {
        // Deleted while being made: leave nothing behind.
        await blobs.deletePrefix(keys.prefix);
        return;
      }
      if (c.source.kind !== 'task') await blobs.deletePrefix(characterKeys(c.id).upload);
      deps.log?.info({ characterId: c.id, ms: Date.now() - started }, 'character ready');
    } catch (err) {
      throw remote?.failure() ?? err;
    } finally {
      await remote?.close();
      await rm(dir, { recursive: true, force: true });
    }
  }

  async function fail(id: string, err: unknown): Promise<void> {
    const known = isAppError(err);
    if (!known) deps.log?.error({ err, characterId: id }, 'character failed unexpectedly');
    await store.characters.update(id, {
      status: 'failed',
      errorCode: known ? err.code : 'internal_error',
      // Unknown errors may carry paths or internals: they are logged, never shown.
      errorMessage: known ? err.message : 'the character could not be made',
      updatedAt: now(),
    });
    await blobs.deletePrefix(characterKeys(id).upload).catch(() => {});
  }

  async function tellSettled(id: string): Promise<void> {
    const settled = await store.characters.get(id);
    if (settled && settled.status !== 'processing') await deps.onSettled?.(id, settled.status);
  }

  const run = async function makeCharacterJob(payload: { characterId: string }, ctx: JobContext): Promise<void> {
    const c = await store.characters.get(payload.characterId);
    if (!c || c.status !== 'processing') return;
    try {
      await make(c, ctx.signal);
    } catch (err) {
      // Stopped by shutdown: the job stays in the queue and resumes at the next start.
      if (ctx.signal.aborted) throw err;
      await fail(c.id, err);
    } finally {
      events.settled(c.id);
    }
    await tellSettled(c.id);
  };

  /** The queue's exhaustion rule (src/jobs/attempts.ts): the character settles failed, once. */
  async function onExhausted(payload: { characterId: string }): Promise<void> {
    const c = await store.characters.get(payload.characterId);
    if (!c || c.status !== 'processing') return;
    try {
      await fail(c.id, new AppError('internal_error', 'processing was interrupted too many times'));
    } finally {
      events.settled(c.id);
    }
    await tellSettled(c.id);
  }

  return { run, onExhausted } satisfies JobDefinition<'character.create'>;
}

import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { characterKeys } from '../blob-keys.js';
import type { BlobStore } from '../blobs/ports.js';
import { AppError } from '../errors.js';
import type { JobContext, JobDefinition, JobQueue } from '../jobs/ports.js';
import type { CharacterRecord, Store } from '../records/ports.js';
import type { MediaToolkit } from './ports.js';
import { cutReferenceSet, putReferenceSet, together } from './reference-set.js';
import { describeSubject } from './subject.js';

/**
 * Characters made before reference sets existed get theirs from the clip they kept: the same
 * frame choice (the clip decoded into analysis frames, no new clip written), the same cut, the
 * same subject rule. One job per character, enqueued at boot with an id derived from the
 * character's, so it runs once even across restarts and processes.
 */

export const referenceJobId = (characterId: string) => `references_${characterId}`;

/**
 * The backfill jobs are spread in time: one becomes due every BACKFILL_SPACING_MS, so that on a
 * service with many old characters new creations still find a free worker (jobs are claimed in
 * due-time order, and a creation is due at once).
 */
export const BACKFILL_SPACING_MS = 2_000;

/** Enqueues the job of every ready character without reference frames; how many were found. */
export async function enqueueReferenceBackfill(
  store: Pick<Store, 'characters'>,
  queue: Pick<JobQueue, 'enqueue'>,
  now: () => number = Date.now,
): Promise<number> {
  const start = now();
  let found = 0;
  let after: string | undefined;
  for (;;) {
    const ids = await store.characters.listReadyWithoutReferences({ limit: 200, after });
    if (ids.length === 0) return found;
    for (const characterId of ids) {
      // An id already enqueued (a previous boot, another process) is left as it is.
      await queue.enqueue('character.references', { characterId }, { id: referenceJobId(characterId), runAfter: start + found * BACKFILL_SPACING_MS });
      found += 1;
    }
    after = ids[ids.length - 1];
  }
}

export interface ReferenceBackfillDeps {
  store: Pick<Store, 'characters'>;
  blobs: BlobStore;
  media: MediaToolkit;
  workDir: string;
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

export function createReferenceBackfillJob(deps: ReferenceBackfillDeps) {
  const { store, blobs, media } = deps;

  /** The kept clip decoded into analysis frames (no new clip), the same choice, the subject's box, the reference cut. */
  async function analyseClip(clipPath: string, dir: string, signal: AbortSignal) {
    const probe = await media.probe(clipPath, signal);
    const clip = { width: probe.displayWidth, height: probe.displayHeight, durationSec: probe.durationSec, hasAudio: probe.hasAudio };
    const chooser = media.newFrameChooser();
    try {
      await media.extractWindow(clipPath, probe, { startSec: 0, endSec: probe.durationSec, clipPath: null }, (f) => chooser.offer(f), signal);
      const choice = await chooser.result();
      if (!choice) throw new AppError('unsupported_media', 'no frame could be decoded from the kept clip');
      // The portrait stays as it was made; only the subject's box is wanted from this cut.
      const [{ subjectBox }, cut] = await together(
        media.cutPortrait(choice.frame, choice.face),
        cutReferenceSet(media, clipPath, clip, choice, 0, dir, signal),
      );
      // The frames' buffers are reused once disposed: only plain facts leave.
      return {
        clip,
        face: choice.face,
        referenceTimes: choice.referenceTimes,
        frame: { width: choice.frame.width, height: choice.frame.height },
        subjectBox,
        cut,
      };
    } finally {
      chooser.dispose();
    }
  }

  async function fill(c: CharacterRecord & { clipKey: string }, signal: AbortSignal): Promise<void> {
    await mkdir(deps.workDir, { recursive: true });
    const dir = await mkdtemp(join(deps.workDir, `${c.id}-refs-`));
    try {
      const clipPath = join(dir, 'clip.mp4');
      await pipeline(await blobs.read(c.clipKey), createWriteStream(clipPath), { signal });
      const found = await analyseClip(clipPath, dir, signal);
      const subject = describeSubject({ face: found.face, subjectBox: found.subjectBox, frame: found.frame, source: sourceSize(c, found.clip) });
      const referenceSet = await putReferenceSet(blobs, c.id, found.cut);
      // Times in the record are source times, as for a character made with its set.
      const referenceTimes = found.referenceTimes.map((t) => Math.round((c.startSec + t) * 1000) / 1000);
      const updated = await store.characters.update(c.id, {
        ...referenceSet,
        subject,
        media: { ...c.media, reference_times: referenceTimes, references_from: 'clip' },
      });
      // Deleted meanwhile: leave nothing behind.
      if (!updated) await blobs.deletePrefix(characterKeys(c.id).prefix);
      else
        deps.log?.info(
          { characterId: c.id, frames: referenceSet.referenceKeys.length, voice: referenceSet.voiceKey !== null },
          'reference set made from the kept clip',
        );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async function run(payload: { characterId: string }, ctx: JobContext): Promise<void> {
    const c = await store.characters.get(payload.characterId);
    if (c?.status !== 'ready' || c.referenceKeys.length > 0 || !c.clipKey) return;
    await fill({ ...c, clipKey: c.clipKey }, ctx.signal);
  }

  /** The queue's exhaustion rule (src/jobs/attempts.ts): a clip that keeps failing leaves the character usable without its set. */
  async function onExhausted(payload: { characterId: string }, error: Error): Promise<void> {
    deps.log?.warn({ characterId: payload.characterId, err: error }, 'reference set given up: its job failed too many times');
  }

  return { run, onExhausted } satisfies JobDefinition<'character.references'>;
}

/** The source's upright size as recorded when the character was made; the clip's (never larger) when it was not. */
function sourceSize(c: CharacterRecord, clip: { width: number; height: number }): { width: number; height: number } {
  const w = c.media?.source_width;
  const h = c.media?.source_height;
  return typeof w === 'number' && typeof h === 'number' && w > 0 && h > 0 ? { width: w, height: h } : clip;
}

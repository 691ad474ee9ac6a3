import { characterKeys, VOICE_CONTENT_TYPE } from '../blob-keys.js';
import type { BlobStore } from '../blobs/ports.js';
import type { CharacterRecord } from '../records/ports.js';
import type { ChosenFrame, MediaToolkit, WindowExtraction } from './ports.js';

/** Cuts the reference set of a chosen window from its clip: frames at the chosen times, and the voice when the clip has audio. */
export function cutReferenceSet(
  media: Pick<MediaToolkit, 'cutReferenceSet'>,
  clipPath: string,
  clip: WindowExtraction['clip'],
  choice: Pick<ChosenFrame, 'referenceTimes'>,
  /** Source time of the clip's first frame (the window's start). */
  clipStartSec: number,
  outDir: string,
  signal?: AbortSignal,
) {
  const times = choice.referenceTimes.map((t) => Math.max(0, t - clipStartSec));
  return media.cutReferenceSet(clipPath, { times, width: clip.width, height: clip.height, hasAudio: clip.hasAudio, outDir }, signal);
}

/** Stores the cut reference set under the character's keys; the record's fields for it. */
export async function putReferenceSet(
  blobs: BlobStore,
  characterId: string,
  cut: { framePaths: string[]; voicePath: string | null },
): Promise<Pick<CharacterRecord, 'referenceKeys' | 'voiceKey'>> {
  const keys = characterKeys(characterId);
  const referenceKeys = cut.framePaths.map((_, i) => keys.frame(i));
  await Promise.all([
    ...cut.framePaths.map((path, i) => blobs.putFile(referenceKeys[i], path, 'image/jpeg')),
    ...(cut.voicePath ? [blobs.putFile(keys.voice, cut.voicePath, VOICE_CONTENT_TYPE)] : []),
  ]);
  return { referenceKeys, voiceKey: cut.voicePath ? keys.voice : null };
}

/**
 * Both results, like Promise.all, but a failure is passed on only once both have settled: the
 * portrait and the reference cut run at once in a scratch folder that is removed right after,
 * and nothing may still be writing into it then.
 */
export async function together<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  if (ra.status === 'rejected') throw ra.reason;
  if (rb.status === 'rejected') throw rb.reason;
  return [ra.value, rb.value];
}

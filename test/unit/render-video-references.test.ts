import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { characterKeys } from '../../src/blob-keys.js';
import type { Engine, RenderRequest } from '../../src/engines/ports.js';
import { createEngineRegistry } from '../../src/engines/registry.js';
import type { Store } from '../../src/records/ports.js';
import { createRenderVideoJob } from '../../src/videos/render-video.js';
import { makeCharacter, makeTask } from '../records/store-contract.js';
import { createMemoryBlobStore, type MemoryBlobStore } from '../support/fakes/memory-blobs.js';
import { createMemoryStore } from '../support/fakes/memory-store.js';

/**
 * The render job hands each mentioned character's reference set to the engine: the frames and
 * the voice as local files with the stored bytes, besides the clip and the portrait.
 */
describe('render job: reference sets', () => {
  let store: Store;
  let blobs: MemoryBlobStore;
  let workDir: string;
  let seen: RenderRequest | null;
  const copies = new Map<string, Buffer>();

  /** An engine that only records what it was given (and writes the three variants it must). */
  const recorder: Engine = {
    name: 'local',
    async render(req) {
      seen = req;
      for (const c of req.characters) for (const p of [...c.framePaths, ...(c.voicePath ? [c.voicePath] : [])]) copies.set(p, await readFile(p));
      const out = (name: string) => join(req.workDir, name);
      for (const name of ['v.mp4', 't.webp', 's.jpg']) await writeFile(out(name), name);
      return { videoPath: out('v.mp4'), thumbnailPath: out('t.webp'), spritesheetPath: out('s.jpg'), durationSec: 4 };
    },
  };

  beforeEach(async () => {
    store = createMemoryStore();
    blobs = createMemoryBlobStore();
    workDir = await mkdtemp(join(tmpdir(), 'sc-render-refs-'));
    seen = null;
    copies.clear();
  });
  afterEach(() => rm(workDir, { recursive: true, force: true }));

  async function ready(withVoice: boolean, frames: number) {
    const c = makeCharacter({ status: 'ready', visibility: 'public' });
    const keys = characterKeys(c.id);
    await blobs.putBuffer(keys.clip, Buffer.from(`clip ${c.id}`), 'video/mp4');
    await blobs.putBuffer(keys.portrait, Buffer.from(`portrait ${c.id}`), 'image/webp');
    const referenceKeys: string[] = [];
    for (let i = 0; i < frames; i++) {
      await blobs.putBuffer(keys.frame(i), Buffer.from(`frame ${i} of ${c.id}`), 'image/jpeg');
      referenceKeys.push(keys.frame(i));
    }
    if (withVoice) await blobs.putBuffer(keys.voice, Buffer.from(`voice ${c.id}`), 'audio/mpeg');
    await store.characters.insert({ ...c, clipKey: keys.clip, portraitKey: keys.portrait, referenceKeys, voiceKey: withVoice ? keys.voice : null });
    return c;
  }

  it('downloads every frame and the voice of each character; no voice is null, no set is empty', async () => {
    const speaking = await ready(true, 3);
    const old = await ready(false, 0);
    const task = makeTask({ characterIds: [speaking.id, old.id] });
    await store.tasks.insert(task);
    const job = createRenderVideoJob({ store, blobs, engines: createEngineRegistry([recorder]), workDir });
    await job.run({ taskId: task.id }, { attempt: 1, maxAttempts: 3, signal: new AbortController().signal });

    expect((await store.tasks.get(task.id))?.status).toBe('completed');
    const [a, b] = seen!.characters;
    expect(a.id).toBe(speaking.id);
    expect(a.framePaths).toHaveLength(3);
    expect(a.framePaths.map((p) => copies.get(p)?.toString())).toEqual([0, 1, 2].map((i) => `frame ${i} of ${speaking.id}`));
    expect(copies.get(a.voicePath!)?.toString()).toBe(`voice ${speaking.id}`);
    expect(a.voicePath!.endsWith('.mp3')).toBe(true);
    expect(b).toMatchObject({ id: old.id, framePaths: [], voicePath: null });
  });
});

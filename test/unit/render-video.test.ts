import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { characterKeys } from '../../src/blob-keys.js';
import type { Engine, RenderRequest } from '../../src/engines/ports.js';
import { createEngineRegistry } from '../../src/engines/registry.js';
import type { CharacterRecord, Store, VideoTaskRecord } from '../../src/records/ports.js';
import { createRenderVideoJob } from '../../src/videos/render-video.js';
import { makeCharacter, makeTask } from '../records/store-contract.js';
import { createMemoryBlobStore, type MemoryBlobStore } from '../support/fakes/memory-blobs.js';
import { createMemoryStore } from '../support/fakes/memory-store.js';

/**
 * The render job's side of the hosted engines, on the in-memory store and blobs with a recording
 * engine: the characters are checked again before the engine sees the task, their reference set
 * reaches the engine, and the upstream checkpoint reads and writes the task row.
 */
const SEEDANCE = 'bytedance/seedance-2.0/reference-to-video';

let store: Store;
let blobs: MemoryBlobStore;
let seen: RenderRequest[];
let onRender: (req: RenderRequest) => Promise<void>;

const recording: Engine = {
  name: 'fal',
  async render(req) {
    seen.push(req);
    await onRender(req);
    const out = { videoPath: join(req.workDir, 'v.mp4'), thumbnailPath: join(req.workDir, 't.webp'), spritesheetPath: join(req.workDir, 's.jpg') };
    for (const p of Object.values(out)) await writeFile(p, 'x');
    return { ...out, durationSec: 4 };
  },
};

const ctx = () => ({ attempt: 1, maxAttempts: 3, signal: new AbortController().signal });

function job(signPublicUrl?: (key: string) => string) {
  return createRenderVideoJob({
    store,
    blobs,
    engines: createEngineRegistry([recording], { 'sora-2': { engine: 'fal', upstreamModel: SEEDANCE } }),
    workDir: join(tmpdir(), 'sc-unit-render'),
    signPublicUrl,
  });
}

async function readyCharacter(keyId: string, over: Partial<CharacterRecord> & { referenceKeys?: string[]; voiceKey?: string | null } = {}) {
  const c = makeCharacter({ keyId, status: 'ready', ...over });
  const keys = characterKeys(c.id);
  Object.assign(c, { portraitKey: keys.portrait, clipKey: keys.clip });
  await blobs.putBuffer(keys.portrait, Buffer.from('portrait'), 'image/webp');
  await blobs.putBuffer(keys.clip, Buffer.from('clip'), 'video/mp4');
  for (const k of over.referenceKeys ?? []) await blobs.putBuffer(k, Buffer.from(k), 'image/jpeg');
  if (over.voiceKey) await blobs.putBuffer(over.voiceKey, Buffer.from('voice'), 'audio/mp4');
  await store.characters.insert(c);
  return c;
}

async function task(over: Partial<VideoTaskRecord>) {
  const t = makeTask({ engine: 'fal', ...over });
  await store.tasks.insert(t);
  return t;
}

beforeEach(() => {
  store = createMemoryStore();
  blobs = createMemoryBlobStore();
  seen = [];
  onRender = async () => {};
});
afterEach(() => store.close());

describe('the render job and hosted engines', () => {
  it('refuses a character made private since the task was created, before the engine (and any upstream) sees it', async () => {
    const bobs = await readyCharacter('key_bob', { visibility: 'public' });
    const t = await task({ keyId: 'key_alice', characterIds: [bobs.id] });
    await store.characters.update(bobs.id, { visibility: 'private' });
    await job()({ taskId: t.id }, ctx());
    expect(seen).toEqual([]);
    expect(await store.tasks.get(t.id)).toMatchObject({ status: 'failed', errorCode: 'cameo_permission_denied' });
  });

  it("hands the engine the route's upstream model and each character's reference frames and voice", async () => {
    const c = await readyCharacter('key_alice', {
      referenceKeys: ['characters/x/frame-0.jpg', 'characters/x/frame-1.jpg'],
      voiceKey: 'characters/x/voice.m4a',
    });
    const t = await task({ keyId: 'key_alice', characterIds: [c.id] });
    await job()({ taskId: t.id }, ctx());
    expect(seen).toHaveLength(1);
    const [req] = seen;
    expect(req.upstreamModel).toBe(SEEDANCE);
    expect(req.characters[0].framePaths).toHaveLength(2);
    expect(req.characters[0].voicePath).toMatch(/voice\.m4a$/);
    expect(req.characters[0].publicUrls).toBeNull();
    expect(await store.tasks.get(t.id)).toMatchObject({ status: 'completed' });
  });

  it('a character without a reference set gets no frames and no voice (the portrait stands alone)', async () => {
    const c = await readyCharacter('key_alice');
    const t = await task({ keyId: 'key_alice', characterIds: [c.id] });
    await job()({ taskId: t.id }, ctx());
    expect(seen[0].characters[0]).toMatchObject({ framePaths: [], voicePath: null });
  });

  it('signs public URLs of the media only when told PUBLIC_URL is reachable', async () => {
    const c = await readyCharacter('key_alice', { referenceKeys: ['characters/x/frame-0.jpg'] });
    const t = await task({ keyId: 'key_alice', characterIds: [c.id] });
    await job((key) => `https://svc.example/files/${key}?sig=1`)({ taskId: t.id }, ctx());
    expect(seen[0].characters[0].publicUrls).toEqual({
      portrait: `https://svc.example/files/${c.portraitKey}?sig=1`,
      clip: `https://svc.example/files/${c.clipKey}?sig=1`,
      frames: ['https://svc.example/files/characters/x/frame-0.jpg?sig=1'],
      voice: null,
    });
  });

  it('the checkpoint reads and writes the task row: slot claim (counted over tasks), the upstream id, existence', async () => {
    const other = await task({ status: 'in_progress', upstreamSubmittedAt: 1, upstreamModel: SEEDANCE, upstreamId: 'busy' });
    const t = await task({});
    onRender = async (req) => {
      const cp = req.upstream;
      if (!cp) throw new Error('no checkpoint');
      expect(cp.state).toEqual({ phase: 'none' });
      expect(await cp.claimSlot(1, SEEDANCE, 5)).toBe(false);
      await store.tasks.update(other.id, { status: 'completed' });
      expect(await cp.claimSlot(1, SEEDANCE, 6)).toBe(true);
      expect(await store.tasks.get(t.id)).toMatchObject({ upstreamSubmittedAt: 6, upstreamModel: SEEDANCE, upstreamId: null });
      await cp.recordSubmitted({ id: 'req-1', model: SEEDANCE, submittedAt: 6 });
      expect(await store.tasks.get(t.id)).toMatchObject({ upstreamId: 'req-1' });
      expect(await cp.exists()).toBe(true);
    };
    await job()({ taskId: t.id }, ctx());
    expect(await store.tasks.get(t.id)).toMatchObject({ status: 'completed', upstreamId: 'req-1' });
  });

  it('a resumed task shows the engine its upstream job, or a submit that was cut off', async () => {
    const resumed = await task({ status: 'in_progress', upstreamSubmittedAt: 7, upstreamModel: SEEDANCE, upstreamId: 'req-7' });
    const cut = await task({ status: 'in_progress', upstreamSubmittedAt: 8, upstreamModel: SEEDANCE });
    await job()({ taskId: resumed.id }, { ...ctx(), attempt: 2 });
    await job()({ taskId: cut.id }, { ...ctx(), attempt: 2 });
    expect(seen.map((r) => r.upstream?.state)).toEqual([
      { phase: 'submitted', job: { id: 'req-7', model: SEEDANCE, submittedAt: 7 } },
      { phase: 'submitting', since: 8 },
    ]);
  });

  it('sees the task gone once it is deleted', async () => {
    const t = await task({});
    onRender = async (req) => {
      await store.tasks.delete(t.id);
      expect(await req.upstream?.exists()).toBe(false);
    };
    await job()({ taskId: t.id }, ctx());
    expect(await store.tasks.get(t.id)).toBeNull();
    expect(blobs.keys().filter((k) => k.startsWith(`videos/${t.id}/`))).toEqual([]);
  });
});

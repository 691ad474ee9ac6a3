import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Principal } from '../../src/principal.js';
import type { CharacterRecord } from '../../src/records/ports.js';
import type { CreateVideoInput } from '../../src/videos/video-service.js';
import { makeCharacter } from '../records/store-contract.js';
import { refusalOf } from '../support/refusal.js';
import { type ServicesOnFakes, servicesOnFakes } from '../support/services-on-fakes.js';

/**
 * The video service's rules, on the in-memory Store and BlobStore: which characters a video may
 * show (mentions and the characters list), how many, the defaults, queue_full. A create only
 * queues the render (no job runs here).
 */

let s: ServicesOnFakes;
beforeEach(async () => {
  s = await servicesOnFakes();
});
afterEach(async () => {
  await s.close();
});

/** A character of `p` as the pipeline leaves it: ready unless told otherwise. */
async function character(p: Principal, handle: string, over: Partial<CharacterRecord> = {}): Promise<CharacterRecord> {
  const c = makeCharacter({ keyId: p.keyId, owner: p.owner, handle, username: `${p.owner}.${handle}`, status: 'ready', ...over });
  await s.store.characters.insert(c);
  return c;
}

const prepare = (p: Principal, input: CreateVideoInput) => s.videos.prepare(p, input);

describe('mentions', () => {
  it('an own ready character mentioned by @username is in the video, and the render is queued', async () => {
    const hero = await character(s.alice, 'hero');
    const prepared = await prepare(s.alice, { prompt: `@${hero.username} walks a dog.` });
    expect(prepared.characterIds).toEqual([hero.id]);
    const video = await s.videos.create(s.alice, prepared, null);
    expect(video).toMatchObject({
      id: prepared.id,
      object: 'video',
      status: 'queued',
      model: 'sora-2',
      seconds: '4',
      size: '720x1280',
      characters: [{ id: hero.id, username: hero.username }],
    });
    expect(await s.store.jobs.get(`job_${video.id}`)).toMatchObject({ type: 'video.render', payload: { taskId: video.id }, state: 'queued' });
  });

  it("another key's public ready character may be mentioned, in any case", async () => {
    const star = await character(s.bob, 'star', { visibility: 'public' });
    const prepared = await prepare(s.alice, { prompt: `With @${star.username.toUpperCase()}.` });
    expect(prepared.characterIds).toEqual([star.id]);
  });

  it('a private character of another key, an own one not ready, or an unknown one is 403 cameo_permission_denied', async () => {
    const secret = await character(s.bob, 'secret');
    const pending = await character(s.alice, 'pending', { status: 'processing' });
    const broken = await character(s.alice, 'broken', { status: 'failed' });
    const theirsPending = await character(s.bob, 'soon', { visibility: 'public', status: 'processing' });
    for (const username of [secret.username, pending.username, broken.username, theirsPending.username, `${s.alice.owner}.nobody`]) {
      const r = await refusalOf(prepare(s.alice, { prompt: `A scene with @${username}.` }));
      expect(r, username).toMatchObject({ status: 403, code: 'cameo_permission_denied', param: 'prompt' });
    }
    expect(await s.queue.depth()).toBe(0);
  });

  it('an e-mail address or a word with a dot is not a mention', async () => {
    await character(s.alice, 'hero');
    const prepared = await prepare(s.alice, { prompt: `Mail bob@${s.alice.owner}.hero, or visit x.@${s.alice.owner}.hero today.` });
    expect(prepared.characterIds).toEqual([]);
  });

  it('characters listed by id or username follow the same rule, refused on characters', async () => {
    const hero = await character(s.alice, 'hero');
    const secret = await character(s.bob, 'secret');
    expect((await prepare(s.alice, { prompt: 'x', characters: [{ id: hero.id }] })).characterIds).toEqual([hero.id]);
    expect((await prepare(s.alice, { prompt: 'x', characters: [hero.username] })).characterIds).toEqual([hero.id]);
    for (const ref of [secret.id, secret.username, 'ch_00000000000000000000000000000000']) {
      const r = await refusalOf(prepare(s.alice, { prompt: 'x', characters: [{ id: ref }] }));
      expect(r, ref).toMatchObject({ status: 403, code: 'cameo_permission_denied', param: 'characters' });
    }
  });
});

describe('at most 2 characters', () => {
  it('a third distinct character is 400 invalid_parameter on characters', async () => {
    const [a, b, c] = [await character(s.alice, 'aaa'), await character(s.alice, 'bbb'), await character(s.alice, 'ccc')];
    const two = await prepare(s.alice, { prompt: `@${a.username} and @${b.username}` });
    expect(two.characterIds).toEqual([a.id, b.id]);
    const r = await refusalOf(prepare(s.alice, { prompt: `@${a.username}, @${b.username} and @${c.username}` }));
    expect(r).toMatchObject({ status: 400, code: 'invalid_parameter', param: 'characters' });
    const mixed = await refusalOf(prepare(s.alice, { prompt: `@${a.username} and @${b.username}`, characters: [{ id: c.id }] }));
    expect(mixed).toMatchObject({ status: 400, code: 'invalid_parameter', param: 'characters' });
  });

  it('more distinct mentions than the limit are refused before any lookup', async () => {
    const a = await character(s.alice, 'aaa');
    const lookups: string[] = [];
    const getByUsername = s.store.characters.getByUsername.bind(s.store.characters);
    s.store.characters.getByUsername = async (u) => {
      lookups.push(u);
      return getByUsername(u);
    };
    const many = Array.from({ length: 500 }, (_, i) => `@nobody.ghost${i}x`).join(' ');
    const r = await refusalOf(prepare(s.alice, { prompt: `@${a.username} ${many}` }));
    expect(r).toMatchObject({ status: 400, code: 'invalid_parameter', param: 'characters' });
    expect(lookups).toEqual([]);
  });

  it('one character named several ways counts once', async () => {
    const a = await character(s.alice, 'aaa');
    const b = await character(s.alice, 'bbb');
    const prepared = await prepare(s.alice, {
      prompt: `@${a.username} meets @${a.username.toUpperCase()} and @${b.username}`,
      characters: [{ id: a.id }, a.username, { id: b.id }],
    });
    expect(prepared.characterIds).toEqual([a.id, b.id]);
  });
});

describe('defaults and model', () => {
  // The fields' own shapes (seconds, size, prompt, characters) are the API schema's: test/unit/api-schemas.test.ts.
  it('a prompt alone is 4 s at 720x1280 on sora-2, rendered by the local engine', async () => {
    expect((await prepare(s.alice, { prompt: 'x' })).fields).toEqual({ prompt: 'x', model: 'sora-2', engine: 'local', seconds: '4', size: '720x1280' });
    expect((await prepare(s.alice, { prompt: 'x', seconds: '12', size: '1792x1024', model: 'sora-2-pro' })).fields).toEqual({
      prompt: 'x',
      model: 'sora-2-pro',
      engine: 'local',
      seconds: '12',
      size: '1792x1024',
    });
  });

  it('a model no engine serves is 400 invalid_parameter on model', async () => {
    expect(await refusalOf(prepare(s.alice, { prompt: 'x', model: 'sora-3' }))).toMatchObject({ status: 400, code: 'invalid_parameter', param: 'model' });
  });
});

describe('queue_full', () => {
  it('at MAX_QUEUED_JOBS waiting media jobs a video is 429 queue_full and no task is kept', async () => {
    await s.close();
    s = await servicesOnFakes({ maxQueuedJobs: 1 });
    await s.videos.create(s.alice, await prepare(s.alice, { prompt: 'first' }), null);
    const second = await prepare(s.alice, { prompt: 'second' });
    expect(await refusalOf(s.videos.create(s.alice, second, null))).toMatchObject({ status: 429, code: 'queue_full', retryAfter: 10 });
    expect(await s.store.tasks.get(second.id)).toBeNull();
    expect((await s.videos.list(s.alice, { limit: 10, order: 'asc' })).data.map((v) => v.prompt)).toEqual(['first']);
  });
});

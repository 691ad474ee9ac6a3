import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CreateCharacterInput } from '../../src/characters/character-service.js';
import type { VideoTaskRecord } from '../../src/records/ports.js';
import { buildEvent } from '../../src/webhooks/event.js';
import { makeTask } from '../records/store-contract.js';
import { refusalOf } from '../support/refusal.js';
import { type ServicesOnFakes, servicesOnFakes } from '../support/services-on-fakes.js';

/**
 * The character service's rules, on the in-memory Store and BlobStore (no ffmpeg, no database).
 * Every create answers at once (`Prefer: respond-async`): no job runs here, the pipeline is
 * tested in the integration tier.
 */

const URL_A = 'https://videos.example.com/a.mp4';
const URL_B = 'https://videos.example.com/b.mp4';
const ASYNC = { respondAsync: true };

let s: ServicesOnFakes;
beforeEach(async () => {
  s = await servicesOnFakes();
});
afterEach(async () => {
  await s.close();
});

const create = (who: 'alice' | 'bob', input: CreateCharacterInput, opts: { idempotencyKey?: string } = {}) =>
  s.characters.create(s[who], { timestamps: '1,3', url: URL_A, ...input }, { ...ASYNC, ...opts });

async function insertTask(over: Partial<VideoTaskRecord>): Promise<VideoTaskRecord> {
  const task = makeTask({ status: 'completed', progress: 100, videoKey: 'videos/x/video.mp4', durationSec: 4, ...over });
  await s.store.tasks.insert(task);
  return task;
}

describe('Prefer: respond-async', () => {
  it('answers 202 with the character processing, and queues its one job', async () => {
    const r = await create('alice', { display_name: 'Captain' });
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({
      object: 'character',
      status: 'processing',
      display_name: 'Captain',
      visibility: 'private',
      timestamps: '1,3',
      source: { type: 'url', url: URL_A },
      profile_picture_url: null,
      clip_url: null,
      reference_frame_urls: [],
      voice_url: null,
      subject: null,
      error: null,
      created_at: s.clock.now(),
    });
    expect(r.body.id).toMatch(/^ch_[0-9a-f]{32}$/);
    expect(r.body.permalink).toBe(`http://sc.test/profile/${r.body.username}`);
    expect((await s.store.characters.get(r.body.id))?.status).toBe('processing');
    expect(await s.store.jobs.get(`job_${r.body.id}`)).toMatchObject({
      type: 'character.create',
      payload: { characterId: r.body.id },
      state: 'queued',
      attempts: 0,
    });
    expect(await s.queue.depth()).toBe(1);
  });

  it('keeps an inline data: source as the upload blob and records only its media type', async () => {
    const bytes = Buffer.from('not really a video, but bytes to keep');
    const r = await create('alice', { url: `data:video/mp4;base64,${bytes.toString('base64')}` });
    expect(r.body.source).toEqual({ type: 'url', url: 'data:video/mp4' });
    expect(s.blobs.keys()).toEqual([`characters/${r.body.id}/source.bin`]);
    expect(await s.blobs.stat(`characters/${r.body.id}/source.bin`)).toEqual({ size: bytes.length, contentType: 'application/octet-stream' });
  });

  it('refuses a source URL of a private address before storing anything', async () => {
    const r = await refusalOf(create('alice', { url: 'http://127.0.0.1/a.mp4' }));
    expect(r).toMatchObject({ status: 403, code: 'url_not_allowed', param: 'url' });
    expect((await s.characters.list(s.alice, { limit: 10 })).data).toEqual([]);
    expect(await s.queue.depth()).toBe(0);
  });
});

describe('idempotency', () => {
  it('the same key and the same body give the same character, made once', async () => {
    const first = await create('alice', { display_name: 'Once' }, { idempotencyKey: 'idem-1' });
    const again = await create('alice', { display_name: 'Once' }, { idempotencyKey: 'idem-1' });
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect((await s.characters.list(s.alice, { limit: 10 })).data.map((c) => c.id)).toEqual([first.body.id]);
    expect(await s.queue.depth()).toBe(1);
  });

  it('the same key with another body is 409 idempotency_conflict, and makes nothing', async () => {
    await create('alice', { display_name: 'Once' }, { idempotencyKey: 'idem-2' });
    const r = await refusalOf(create('alice', { display_name: 'Twice' }, { idempotencyKey: 'idem-2' }));
    expect(r).toMatchObject({ status: 409, code: 'idempotency_conflict' });
    expect((await s.characters.list(s.alice, { limit: 10 })).data).toHaveLength(1);
  });

  it('an idempotency key belongs to its API key: another key using it makes its own character', async () => {
    const mine = await create('alice', {}, { idempotencyKey: 'shared-idem' });
    const theirs = await create('bob', {}, { idempotencyKey: 'shared-idem' });
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(theirs.body.username.startsWith(`${s.bob.owner}.`)).toBe(true);
  });

  it('after the first character is deleted, the same key and body make a new one', async () => {
    const first = await create('alice', {}, { idempotencyKey: 'idem-3' });
    await s.characters.remove(s.alice, first.body.id);
    const again = await create('alice', {}, { idempotencyKey: 'idem-3' });
    expect(again.body.id).not.toBe(first.body.id);
    expect(again.status).toBe(202);
  });
});

describe('requested usernames', () => {
  it('a requested handle becomes <owner>.<handle>, lowercased', async () => {
    const r = await create('alice', { username: 'Hero_1' });
    expect(r.body.username).toBe(`${s.alice.owner}.hero_1`);
    expect(r.body.display_name).toBe('hero_1');
  });

  it('a handle the owner already has is 409 username_taken, in any case', async () => {
    await create('alice', { username: 'hero' });
    for (const again of ['hero', 'HERO']) {
      const r = await refusalOf(create('alice', { username: again }));
      expect(r).toMatchObject({ status: 409, code: 'username_taken', param: 'username' });
    }
    expect((await s.characters.list(s.alice, { limit: 10 })).data).toHaveLength(1);
  });

  it('another owner may have the same handle', async () => {
    await create('alice', { username: 'hero' });
    const r = await create('bob', { username: 'hero' });
    expect(r.body.username).toBe(`${s.bob.owner}.hero`);
  });

  it('the full owner.handle form is accepted for the own owner only', async () => {
    const own = await create('alice', { username: `${s.alice.owner}.villain` });
    expect(own.body.username).toBe(`${s.alice.owner}.villain`);
    const shouted = await create('alice', { username: `${s.alice.owner.toUpperCase()}.Villain2` });
    expect(shouted.body.username).toBe(`${s.alice.owner}.villain2`);
    const foreign = await refusalOf(create('bob', { username: `${s.alice.owner}.sidekick` }));
    expect(foreign).toMatchObject({ status: 400, code: 'invalid_parameter', param: 'username' });
  });

  it('refuses a handle outside [a-z0-9_]{3,30}', async () => {
    for (const bad of ['ab', 'has space', 'dot.ted', 'x'.repeat(31), 'ünï']) {
      const r = await refusalOf(create('alice', { username: bad }));
      expect(r, bad).toMatchObject({ status: 400, code: 'invalid_parameter', param: 'username' });
    }
  });

  it('without a request, a generated handle of letters (and digits) under the own owner', async () => {
    const r = await create('alice', {});
    expect(r.body.username).toMatch(new RegExp(`^${s.alice.owner}\\.[a-z]{6,20}[0-9]{0,4}$`));
  });
});

describe('visibility', () => {
  it('another key gets 404 for a private character, by id and by username', async () => {
    const hidden = await create('alice', {});
    for (const ref of [hidden.body.id, hidden.body.username, `@${hidden.body.username}`]) {
      const r = await refusalOf(s.characters.get(s.bob, ref));
      expect(r, ref).toMatchObject({ status: 404, code: 'character_not_found' });
    }
    expect((await s.characters.get(s.alice, `@${hidden.body.username.toUpperCase()}`)).id).toBe(hidden.body.id);
  });

  it('another key sees a public character but gets 403 not_owner on PATCH and DELETE; 404 on a private one', async () => {
    const shown = await create('alice', { visibility: 'public', display_name: 'Shown' });
    const hidden = await create('alice', {});
    expect((await s.characters.get(s.bob, shown.body.id)).display_name).toBe('Shown');

    expect(await refusalOf(s.characters.update(s.bob, shown.body.id, { display_name: 'Taken over' }))).toMatchObject({ status: 403, code: 'not_owner' });
    expect(await refusalOf(s.characters.remove(s.bob, shown.body.id))).toMatchObject({ status: 403, code: 'not_owner' });
    expect(await refusalOf(s.characters.update(s.bob, hidden.body.id, { visibility: 'public' }))).toMatchObject({ status: 404, code: 'character_not_found' });
    expect(await refusalOf(s.characters.remove(s.bob, hidden.body.id))).toMatchObject({ status: 404, code: 'character_not_found' });

    expect(await s.store.characters.get(shown.body.id)).toMatchObject({ displayName: 'Shown', visibility: 'public' });
    expect(await s.store.characters.get(hidden.body.id)).toMatchObject({ visibility: 'private' });
  });

  it('the owner may rename, publish and delete; a deleted character is 404 and its blobs are gone', async () => {
    const mine = await create('alice', { url: `data:video/mp4;base64,${Buffer.from('bytes').toString('base64')}` });
    s.clock.advance(5);
    const renamed = await s.characters.update(s.alice, mine.body.id, { display_name: '  Renamed ', visibility: 'public' });
    expect(renamed).toMatchObject({ display_name: 'Renamed', visibility: 'public', updated_at: s.clock.now() });
    expect(await s.characters.remove(s.alice, mine.body.id)).toEqual({ id: mine.body.id, object: 'character.deleted', deleted: true });
    expect(await refusalOf(s.characters.get(s.alice, mine.body.id))).toMatchObject({ status: 404, code: 'character_not_found' });
    expect(s.blobs.keys()).toEqual([]);
  });
});

describe('signals', () => {
  it("the owner's patch and delete are told on the bus as character.changed; refused ones are not", async () => {
    const changed: { id: string; username: string }[] = [];
    s.signals.subscribe('character.changed', (p) => changed.push(p));
    const mine = await create('alice', { visibility: 'public' });
    expect(await refusalOf(s.characters.update(s.bob, mine.body.id, { visibility: 'private' }))).toMatchObject({ status: 403, code: 'not_owner' });
    expect(await refusalOf(s.characters.remove(s.bob, mine.body.id))).toMatchObject({ status: 403, code: 'not_owner' });
    await s.characters.update(s.alice, mine.body.id, { visibility: 'private' });
    await s.characters.remove(s.alice, mine.body.id);
    await new Promise((r) => setTimeout(r, 0));
    const told = { id: mine.body.id, username: mine.body.username };
    expect(changed).toEqual([told, told]);
  });
});

describe('from_task', () => {
  it("another key's task answers as a missing one: 404 task_not_found on from_task", async () => {
    const theirs = await insertTask({ keyId: s.bob.keyId });
    const missing = 'video_00000000-0000-4000-8000-000000000000';
    const seen = await refusalOf(create('alice', { url: undefined, from_task: theirs.id }));
    const none = await refusalOf(create('alice', { url: undefined, from_task: missing }));
    expect(seen).toMatchObject({ status: 404, code: 'task_not_found', param: 'from_task' });
    expect({ ...seen, message: seen.message.replace(theirs.id, 'ID') }).toEqual({ ...none, message: none.message.replace(missing, 'ID') });
  });

  it('a url beside a from_task this key cannot see is used', async () => {
    const theirs = await insertTask({ keyId: s.bob.keyId });
    const unknown = await create('alice', { from_task: 'video_placeholder', url: URL_B });
    expect(unknown.body.source).toEqual({ type: 'url', url: URL_B });
    const foreign = await create('alice', { from_task: theirs.id, url: URL_B });
    expect(foreign.body.source).toEqual({ type: 'url', url: URL_B });
  });

  it('an own completed task wins over a url', async () => {
    const mine = await insertTask({ keyId: s.alice.keyId });
    const r = await create('alice', { from_task: mine.id, url: URL_B });
    expect(r.body.source).toEqual({ type: 'task', task_id: mine.id });
  });

  it('an own task not completed yet is 409 task_not_completed', async () => {
    const mine = await insertTask({ keyId: s.alice.keyId, status: 'in_progress', videoKey: null, durationSec: null });
    const r = await refusalOf(create('alice', { url: undefined, from_task: mine.id }));
    expect(r).toMatchObject({ status: 409, code: 'task_not_completed', param: 'from_task' });
  });

  it('a window past the end of the task video is 400 timestamps_out_of_range', async () => {
    const mine = await insertTask({ keyId: s.alice.keyId, durationSec: 4 });
    const r = await refusalOf(create('alice', { url: undefined, from_task: mine.id, timestamps: '3,5' }));
    expect(r).toMatchObject({ status: 400, code: 'timestamps_out_of_range', param: 'timestamps' });
    expect((await create('alice', { url: undefined, from_task: mine.id, timestamps: '2,4' })).status).toBe(202);
  });

  it('neither url nor from_task is 400 missing_source', async () => {
    const r = await refusalOf(create('alice', { url: undefined }));
    expect(r).toMatchObject({ status: 400, code: 'missing_source', param: 'url' });
  });
});

describe('list', () => {
  it('pages the own characters newest first with the after cursor', async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      made.push((await create('alice', {})).body.id);
      await create('bob', {});
      s.clock.advance(1);
    }
    const newestFirst = [...made].reverse();
    const seen: string[] = [];
    const more: boolean[] = [];
    let after: string | undefined;
    for (let i = 0; i < 4; i++) {
      const page = await s.characters.list(s.alice, { limit: 2, after });
      expect(page.object).toBe('list');
      expect(page.first_id).toBe(page.data[0]?.id ?? null);
      expect(page.last_id).toBe(page.data.at(-1)?.id ?? null);
      seen.push(...page.data.map((c) => c.id));
      more.push(page.has_more);
      if (!page.has_more) break;
      after = page.last_id!;
    }
    expect(seen).toEqual(newestFirst);
    expect(more).toEqual([true, true, false]);
  });

  it("a cursor that is not one of the key's characters is 400 invalid_parameter on after", async () => {
    const theirs = await create('bob', {});
    for (const after of [theirs.body.id, 'ch_00000000000000000000000000000000']) {
      const r = await refusalOf(s.characters.list(s.alice, { limit: 2, after }));
      expect(r, after).toMatchObject({ status: 400, code: 'invalid_parameter', param: 'after' });
    }
  });
});

describe('queue_full', () => {
  it('at MAX_QUEUED_JOBS waiting media jobs a create is 429 queue_full, and keeps nothing', async () => {
    await s.close();
    s = await servicesOnFakes({ maxQueuedJobs: 2 });
    // Webhook deliveries wait in the same queue but are not media work: they do not count.
    await s.queue.enqueue('webhook.deliver', { event: buildEvent('character.completed', 'ch_x') });
    await create('alice', {});
    await create('bob', {});

    const inline = `data:video/mp4;base64,${Buffer.from('bytes').toString('base64')}`;
    const r = await refusalOf(create('alice', { url: inline, username: 'late' }, { idempotencyKey: 'idem-full' }));
    expect(r).toMatchObject({ status: 429, code: 'queue_full', retryAfter: 10 });
    expect((await s.characters.list(s.alice, { limit: 10 })).data).toHaveLength(1);
    expect(await s.store.characters.usernameExists(`${s.alice.owner}.late`)).toBe(false);
    expect(s.blobs.keys()).toEqual([]);

    // A worker takes one job: there is room again, and the refused request's idempotency key is free.
    const job = await s.store.jobs.claim('w', ['character.create'], Date.now());
    await s.store.jobs.complete(job!.id);
    const again = await create('alice', { url: inline, username: 'late' }, { idempotencyKey: 'idem-full' });
    expect(again.status).toBe(202);
    expect(again.body.username).toBe(`${s.alice.owner}.late`);
  });
});

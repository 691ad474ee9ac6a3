import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryJobId } from '../../src/webhooks/delivery-queue.js';
import { makeCharacter, makeTask } from '../records/store-contract.js';
import { type Harness, startHarness } from '../support/harness.js';

/**
 * The settle functions the root registers for the queue's exhaustion rule (src/jobs/attempts.ts),
 * on the real runtime: the record is settled failed once, its webhook is queued once, and a
 * record already settled (or gone) is left alone.
 */
describe('the exhaustion rule settles each job type', () => {
  let h: Harness;
  beforeAll(async () => {
    // Deliveries go to a closed loopback port: they are queued and retried later, never sent.
    h = await startHarness({ WEBHOOK_URL: 'http://127.0.0.1:1/hook', WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });
  });
  afterAll(() => h?.close());

  const failedCount = async () => {
    const m = (await h.app.inject({ method: 'GET', url: '/metrics' })).body;
    return Number(
      m
        .split('\n')
        .find((l) => l.startsWith('sora_characters_characters_failed_total '))
        ?.split(' ')[1],
    );
  };

  it('character.create: the character fails with internal_error, once, and character.failed is queued', async () => {
    const c = makeCharacter({ status: 'processing' });
    await h.rt.store.characters.insert(c);
    const def = h.rt.handlers['character.create'];
    await def.onExhausted({ characterId: c.id }, new Error('the job was interrupted 3 times'));
    expect(await h.rt.store.characters.get(c.id)).toMatchObject({
      status: 'failed',
      errorCode: 'internal_error',
      errorMessage: 'processing was interrupted too many times',
    });
    expect(await h.rt.store.jobs.get(deliveryJobId('character.failed', c.id, 1))).not.toBeNull();
    expect(await failedCount()).toBe(1);
    // Again (a duplicate call): the record is settled already, nothing more happens.
    await def.onExhausted({ characterId: c.id }, new Error('again'));
    expect(await failedCount()).toBe(1);
    // A character deleted meanwhile: nothing to settle.
    await expect(def.onExhausted({ characterId: 'ch_00000000000000000000000000000000' }, new Error('gone'))).resolves.toBeUndefined();
  });

  it('character.create: a character made meanwhile stays ready', async () => {
    const c = makeCharacter({ status: 'ready' });
    await h.rt.store.characters.insert(c);
    await h.rt.handlers['character.create'].onExhausted({ characterId: c.id }, new Error('late'));
    expect((await h.rt.store.characters.get(c.id))?.status).toBe('ready');
  });

  it('video.render: the task fails with internal_error and video.failed is queued; a completed task stays completed', async () => {
    const t = makeTask({ status: 'in_progress', progress: 40 });
    const done = makeTask({ status: 'completed', progress: 100 });
    await h.rt.store.tasks.insert(t);
    await h.rt.store.tasks.insert(done);
    const def = h.rt.handlers['video.render'];
    await def.onExhausted({ taskId: t.id }, new Error('the job was interrupted 3 times'));
    await def.onExhausted({ taskId: done.id }, new Error('late'));
    expect(await h.rt.store.tasks.get(t.id)).toMatchObject({
      status: 'failed',
      errorCode: 'internal_error',
      errorMessage: 'rendering was interrupted too many times',
    });
    expect(await h.rt.store.jobs.get(deliveryJobId('video.failed', t.id, 1))).not.toBeNull();
    expect((await h.rt.store.tasks.get(done.id))?.status).toBe('completed');
  });
});

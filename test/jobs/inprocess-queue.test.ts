import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createInProcessQueue } from '../../src/jobs/inprocess/inprocess-queue.js';
import type { JobContext } from '../../src/jobs/ports.js';
import { createKyselyStore } from '../../src/records/kysely/index.js';
import type { Store } from '../../src/records/ports.js';

describe('in-process queue on a real SQLite store', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sc-queue-'));
    store = await createKyselyStore(`sqlite:${join(dir, 'db.sqlite')}`);
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const until = async (cond: () => boolean | Promise<boolean>) => {
    for (let i = 0; i < 200 && !(await cond()); i++) await new Promise((r) => setTimeout(r, 25));
    expect(await cond()).toBe(true);
  };

  it('runs enqueued jobs at most `concurrency` at a time', async () => {
    const q = createInProcessQueue(store.jobs, { concurrency: 2, maxAttempts: 3, exclusive: true });
    let running = 0;
    let peak = 0;
    const done: string[] = [];
    await q.start({
      'character.create': async ({ characterId }) => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 50));
        running--;
        done.push(characterId);
      },
    });
    for (let i = 0; i < 6; i++) await q.enqueue('character.create', { characterId: `c${i}` });
    await until(() => done.length === 6);
    expect(peak).toBe(2);
    expect(await q.depth()).toBe(0);
    await q.stop();
  });

  it('resumes a job left running by a dead process at the next start (exclusive store)', async () => {
    await store.jobs.enqueue({ id: 'job_1', type: 'character.create', payload: { characterId: 'c1' } });
    // A process claimed it and died.
    const claimed = await store.jobs.claim('w_dead', ['character.create'], Date.now());
    expect(claimed?.id).toBe('job_1');
    const seen: JobContext[] = [];
    const q = createInProcessQueue(store.jobs, { concurrency: 1, maxAttempts: 3, exclusive: true });
    await q.start({ 'character.create': async (_p, ctx) => void seen.push(ctx) });
    await until(() => seen.length === 1);
    expect(seen[0].attempt).toBe(2);
    await until(async () => (await store.jobs.get('job_1'))?.state === 'done');
    await q.stop();
  });

  it('with a shared store only requeues jobs whose heartbeat went silent', async () => {
    await store.jobs.enqueue({ id: 'job_fresh', type: 'character.create', payload: { characterId: 'fresh' } });
    await store.jobs.claim('w_alive', ['character.create'], Date.now());
    const seen: string[] = [];
    const q = createInProcessQueue(store.jobs, { concurrency: 1, maxAttempts: 3, exclusive: false, staleAfterMs: 60_000 });
    await q.start({ 'character.create': async (p) => void seen.push(p.characterId) });
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toEqual([]);
    expect((await store.jobs.get('job_fresh'))?.state).toBe('running');
    await q.stop();
  });

  it('tells the handler when a job has exhausted its attempts', async () => {
    await store.jobs.enqueue({ id: 'job_x', type: 'character.create', payload: { characterId: 'x' } });
    for (let i = 0; i < 2; i++) {
      await store.jobs.claim(`w_dead${i}`, ['character.create'], Date.now());
      await store.jobs.requeueStale({ lockedBefore: Date.now() + 1 });
    }
    await store.jobs.claim('w_dead2', ['character.create'], Date.now());
    const seen: JobContext[] = [];
    const q = createInProcessQueue(store.jobs, { concurrency: 1, maxAttempts: 3, exclusive: true });
    await q.start({ 'character.create': async (_p, ctx) => void seen.push(ctx) });
    await until(() => seen.length === 1);
    expect(seen[0].attempt).toBeGreaterThan(seen[0].maxAttempts);
    await q.stop();
  });

  it('a failing handler marks the job failed and the queue goes on', async () => {
    const q = createInProcessQueue(store.jobs, { concurrency: 1, maxAttempts: 3, exclusive: true });
    const done: string[] = [];
    await q.start({
      'character.create': async ({ characterId }) => {
        if (characterId === 'bad') throw new Error('boom');
        done.push(characterId);
      },
    });
    await q.enqueue('character.create', { characterId: 'bad' }, { id: 'job_bad' });
    await q.enqueue('character.create', { characterId: 'good' });
    await until(() => done.length === 1);
    await until(async () => (await store.jobs.get('job_bad'))?.state === 'failed');
    await q.stop();
  });
});

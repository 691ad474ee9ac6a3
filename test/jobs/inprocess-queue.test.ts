import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createInProcessQueue } from '../../src/jobs/inprocess/inprocess-queue.js';
import type { JobContext } from '../../src/jobs/ports.js';
import { createKyselyStore } from '../../src/records/kysely/index.js';
import type { Store } from '../../src/records/ports.js';
import { jobMap } from '../support/job-map.js';

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
    await q.start(
      jobMap({
        'character.create': async ({ characterId }) => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 50));
          running--;
          done.push(characterId);
        },
      }),
    );
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
    await q.start(jobMap({ 'character.create': async (_p, ctx) => void seen.push(ctx) }));
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
    await q.start(jobMap({ 'character.create': async (p) => void seen.push(p.characterId) }));
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toEqual([]);
    expect((await store.jobs.get('job_fresh'))?.state).toBe('running');
    await q.stop();
  });

  it('a job that kept killing its process is not run again: the exhaustion rule settles it', async () => {
    await store.jobs.enqueue({ id: 'job_x', type: 'character.create', payload: { characterId: 'x' } });
    for (let i = 0; i < 3; i++) {
      await store.jobs.claim(`w_dead${i}`, ['character.create'], Date.now());
      await store.jobs.requeueStale({ lockedBefore: Date.now() + 1 });
    }
    const runs: JobContext[] = [];
    const exhausted: { payload: unknown; message: string }[] = [];
    const q = createInProcessQueue(store.jobs, { concurrency: 1, maxAttempts: 3, exclusive: true });
    await q.start(
      jobMap({
        'character.create': {
          run: async (_p, ctx) => void runs.push(ctx),
          onExhausted: async (payload, error) => void exhausted.push({ payload, message: error.message }),
        },
      }),
    );
    await until(async () => (await store.jobs.get('job_x'))?.state === 'failed');
    expect(runs).toEqual([]);
    expect(exhausted).toEqual([{ payload: { characterId: 'x' }, message: expect.stringContaining('interrupted 3 times') }]);
    await q.stop();
  });

  it('each job type has its own concurrency', async () => {
    const q = createInProcessQueue(store.jobs, {
      concurrency: { 'character.create': 3, 'video.render': 1, 'webhook.deliver': 1 },
      maxAttempts: 3,
      exclusive: true,
      pollMs: 20,
    });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const running = { 'character.create': 0, 'video.render': 0 };
    const peak = { 'character.create': 0, 'video.render': 0 };
    const track = (type: 'character.create' | 'video.render') => async () => {
      running[type]++;
      peak[type] = Math.max(peak[type], running[type]);
      await held;
      running[type]--;
    };
    await q.start(jobMap({ 'character.create': track('character.create'), 'video.render': track('video.render') }));
    for (let i = 0; i < 4; i++) {
      await q.enqueue('character.create', { characterId: `c${i}` });
      await q.enqueue('video.render', { taskId: `v${i}` });
    }
    await until(() => running['character.create'] === 3 && running['video.render'] === 1);
    release();
    await until(async () => (await q.depth()) === 0 && running['character.create'] + running['video.render'] === 0);
    expect(peak).toEqual({ 'character.create': 3, 'video.render': 1 });
    await q.stop();
  });
});

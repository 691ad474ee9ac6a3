import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type JobConcurrency, type JobContext, type JobQueue, MEDIA_JOB_TYPES } from '../../src/jobs/ports.js';
import { jobMap } from '../support/job-map.js';

/**
 * The contract every JobQueue implementation keeps (the embedded queue on SQLite and on
 * PostgreSQL, BullMQ on Redis). Each test makes its own queues through `env.newQueue`; queues
 * made by one test share their jobs (two "workers"). `env.reset` empties the jobs between tests.
 */
export interface QueueTestEnv {
  setup(): Promise<void>;
  /** A queue over the same shared jobs as the others of this test. */
  newQueue(opts: { concurrency: JobConcurrency; maxAttempts: number; retryBaseMs: number }): Promise<JobQueue>;
  /** Removes every job (a fresh schema, or this test's Redis keys). */
  reset(): Promise<void>;
  teardown(): Promise<void>;
}

const ONE_EACH: JobConcurrency = { 'character.create': 1, 'video.render': 1, 'webhook.deliver': 1 };

/** A promise a test opens when it chooses. */
function latch() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function describeQueueContract(name: string, env: QueueTestEnv) {
  describe(`JobQueue contract: ${name}`, () => {
    const made: JobQueue[] = [];
    const queue = async (over: Partial<{ concurrency: JobConcurrency; maxAttempts: number }> = {}) => {
      const q = await env.newQueue({ concurrency: over.concurrency ?? ONE_EACH, maxAttempts: over.maxAttempts ?? 3, retryBaseMs: 10 });
      made.push(q);
      return q;
    };

    beforeAll(() => env.setup());
    afterEach(async () => {
      await Promise.all(made.splice(0).map((q) => q.stop(0)));
      await env.reset();
    });
    afterAll(() => env.teardown());

    it('runs what is enqueued, with its payload, then nothing waits', async () => {
      const q = await queue();
      const seen: string[] = [];
      await q.enqueue('character.create', { characterId: 'ch_a' });
      await q.enqueue('video.render', { taskId: 'video_b' });
      await q.start(
        jobMap({
          'character.create': async (p, ctx) => void seen.push(`${p.characterId}@${ctx.attempt}`),
          'video.render': async (p, ctx) => void seen.push(`${p.taskId}@${ctx.attempt}`),
        }),
      );
      await until('both jobs', () => seen.length === 2);
      expect(seen.sort()).toEqual(['ch_a@1', 'video_b@1']);
      await until('an empty queue', async () => (await q.depth()) === 0 && (await q.counts()).length === 0);
    });

    it('enqueues an id once: twice before it runs, and again after it ran, still one run', async () => {
      const q = await queue();
      const runs: string[] = [];
      await q.enqueue('character.create', { characterId: 'first' }, { id: 'job_same' });
      await q.enqueue('character.create', { characterId: 'second' }, { id: 'job_same' });
      expect(await q.depth(['character.create'])).toBe(1);
      await q.start(jobMap({ 'character.create': async (p) => void runs.push(p.characterId) }));
      await until('the run', () => runs.length === 1);
      await q.enqueue('character.create', { characterId: 'third' }, { id: 'job_same' });
      await q.enqueue('character.create', { characterId: 'marker' }, { id: 'job_marker' });
      await until('the marker', () => runs.includes('marker'));
      expect(runs).toEqual(['first', 'marker']);
    });

    it('holds a job with runAfter until then, counting it as waiting', async () => {
      const q = await queue();
      const runAfter = Date.now() + 1_500;
      let ranAt = 0;
      await q.enqueue('webhook.deliver', { event: { id: 'evt_1', object: 'event', created_at: 1, type: 'video.completed', data: { id: 'v' } } }, { runAfter });
      await q.start(
        jobMap({
          'webhook.deliver': async () => {
            ranAt = Date.now();
          },
        }),
      );
      expect(await q.depth(['webhook.deliver'])).toBe(1);
      await until('the delayed run', () => ranAt > 0);
      expect(ranAt).toBeGreaterThanOrEqual(runAfter - 5);
    });

    it('counts waiting jobs by type (media jobs for queue_full)', async () => {
      const q = await queue();
      await q.enqueue('character.create', { characterId: 'a' });
      await q.enqueue('character.create', { characterId: 'b' });
      await q.enqueue('video.render', { taskId: 'c' }, { runAfter: Date.now() + 60_000 });
      await q.enqueue('webhook.deliver', { event: { id: 'evt_2', object: 'event', created_at: 1, type: 'video.failed', data: { id: 'v' } } });
      expect(await q.depth(['character.create'])).toBe(2);
      expect(await q.depth(MEDIA_JOB_TYPES)).toBe(3);
      expect(await q.depth()).toBe(4);
      expect(await q.depth([])).toBe(0);
      const counts = (await q.counts()).filter((c) => c.state === 'queued').sort((a, b) => a.type.localeCompare(b.type));
      expect(counts).toEqual([
        { type: 'character.create', state: 'queued', count: 2 },
        { type: 'video.render', state: 'queued', count: 1 },
        { type: 'webhook.deliver', state: 'queued', count: 1 },
      ]);
    });

    it('runs a job whose run threw again, with the next attempt, and does not call the exhaustion rule', async () => {
      const q = await queue({ maxAttempts: 3 });
      const attempts: number[] = [];
      const exhausted: unknown[] = [];
      await q.enqueue('character.create', { characterId: 'flaky' });
      await q.start(
        jobMap({
          'character.create': {
            run: async (_p, ctx) => {
              attempts.push(ctx.attempt);
              if (ctx.attempt === 1) throw new Error('store hiccup');
            },
            onExhausted: async (p) => void exhausted.push(p),
          },
        }),
      );
      await until('the second attempt', () => attempts.length === 2);
      await until('no job left', async () => (await q.counts()).length === 0);
      expect(attempts).toEqual([1, 2]);
      expect(exhausted).toEqual([]);
    });

    it('when every attempt throws, calls onExhausted once with the payload and the last error, and the job is failed', async () => {
      const q = await queue({ maxAttempts: 2 });
      const attempts: number[] = [];
      const exhausted: { payload: unknown; message: string }[] = [];
      await q.enqueue('video.render', { taskId: 'video_doomed' });
      await q.start(
        jobMap({
          'video.render': {
            run: async (_p, ctx) => {
              attempts.push(ctx.attempt);
              throw new Error(`broken ${ctx.attempt}`);
            },
            onExhausted: async (payload, error) => void exhausted.push({ payload, message: error.message }),
          },
        }),
      );
      await until('the exhaustion', () => exhausted.length === 1);
      await until('the failed count', async () => (await q.counts()).some((c) => c.type === 'video.render' && c.state === 'failed' && c.count === 1));
      expect(attempts).toEqual([1, 2]);
      expect(exhausted).toEqual([{ payload: { taskId: 'video_doomed' }, message: 'broken 2' }]);
    });

    it('a burst of long renders does not delay a character job (per-type concurrency)', async () => {
      const q = await queue({ concurrency: { 'character.create': 1, 'video.render': 1, 'webhook.deliver': 1 } });
      const renders = latch();
      const started: string[] = [];
      let characterDone = false;
      for (let i = 0; i < 4; i++) await q.enqueue('video.render', { taskId: `video_${i}` });
      await q.start(
        jobMap({
          'video.render': async (p) => {
            started.push(p.taskId);
            await renders.opened;
          },
          'character.create': async () => {
            characterDone = true;
          },
        }),
      );
      await until('a render holding its slot', () => started.length === 1);
      await q.enqueue('character.create', { characterId: 'ch_now' });
      await until('the character job, while the renders are held', () => characterDone);
      expect(started).toHaveLength(1);
      expect(await q.depth(['video.render'])).toBe(3);
      renders.open();
      await until('every render', () => started.length === 4);
    });

    it('stop lets a running job finish within the grace period', async () => {
      const q = await queue();
      const release = latch();
      let finished = false;
      let running = false;
      await q.enqueue('character.create', { characterId: 'ch_finish' });
      await q.start(
        jobMap({
          'character.create': async () => {
            running = true;
            await release.opened;
            finished = true;
          },
        }),
      );
      await until('the run', () => running);
      const stopped = q.stop(30_000);
      setTimeout(release.open, 200);
      await stopped;
      expect(finished).toBe(true);
      const after = await queue();
      expect(await after.depth()).toBe(0);
      expect(await after.counts()).toEqual([]);
    });

    it('stop past the grace period aborts the job and hands it back: another worker runs it', async () => {
      const first = await queue();
      const attempts: { worker: string; attempt: number }[] = [];
      let aborted = false;
      await first.enqueue('character.create', { characterId: 'ch_handback' });
      await first.start(
        jobMap({
          'character.create': async (_p, ctx: JobContext) => {
            attempts.push({ worker: 'first', attempt: ctx.attempt });
            await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
            aborted = true;
            throw new Error('aborted');
          },
        }),
      );
      await until('the run', () => attempts.length === 1);
      await first.stop(100);
      expect(aborted).toBe(true);
      const second = await queue();
      const exhausted: unknown[] = [];
      await second.start(
        jobMap({
          'character.create': {
            run: async (_p, ctx) => void attempts.push({ worker: 'second', attempt: ctx.attempt }),
            onExhausted: async (p) => void exhausted.push(p),
          },
        }),
      );
      await until('the second worker', () => attempts.length === 2);
      expect(attempts).toEqual([
        { worker: 'first', attempt: 1 },
        { worker: 'second', attempt: 2 },
      ]);
      expect(exhausted).toEqual([]);
    });

    it('answers ping', async () => {
      await expect((await queue()).ping()).resolves.toBeUndefined();
    });

    it('a job type left out of a test map fails loudly instead of vanishing', async () => {
      const q = await queue({ maxAttempts: 1 });
      const marker: string[] = [];
      await q.enqueue('webhook.deliver', { event: { id: `evt_${randomUUID()}`, object: 'event', created_at: 1, type: 'video.completed', data: { id: 'v' } } });
      await q.start(jobMap({ 'character.create': async (p) => void marker.push(p.characterId) }));
      await until('the failed job', async () => (await q.counts()).some((c) => c.type === 'webhook.deliver' && c.state === 'failed'));
    });
  });
}

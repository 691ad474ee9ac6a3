import type { Kysely, Selectable } from 'kysely';
import type { JobRecord, JobRepo } from '../ports.js';
import type { DB, Dialect, JobsTable } from './database.js';
import { fromJson, toJson } from './json-column.js';

const rowToJob = (r: Selectable<JobsTable>): JobRecord => ({
  id: r.id,
  type: r.type,
  payload: fromJson<unknown>(r.payload),
  state: r.state as JobRecord['state'],
  attempts: Number(r.attempts),
  runAfter: Number(r.run_after),
  lockedBy: r.locked_by,
  lockedAt: r.locked_at === null ? null : Number(r.locked_at),
  lastError: r.last_error,
  createdAt: Number(r.created_at),
});

/** The embedded queue's rows. Times are unix ms. */
export function createJobsRepo(db: Kysely<DB>, dialect: Dialect): JobRepo {
  return {
    async enqueue(job) {
      const now = Date.now();
      await db
        .insertInto('jobs')
        .values({
          id: job.id,
          type: job.type,
          payload: toJson(job.payload),
          state: 'queued',
          attempts: 0,
          run_after: job.runAfter ?? now,
          locked_by: null,
          locked_at: null,
          last_error: null,
          created_at: now,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    },

    /**
     * One statement, `UPDATE jobs ... WHERE id = (SELECT id ... LIMIT 1) RETURNING *`, so the pick
     * and the mark cannot be split: SQLite runs it as one write transaction (writers serialize on
     * the database lock); PostgreSQL locks the picked row with FOR UPDATE SKIP LOCKED, so a
     * concurrent claimer skips it, and the outer `state = 'queued'` rechecks it.
     */
    async claim(workerId, types, now) {
      if (types.length === 0) return null;
      let pick = db
        .selectFrom('jobs')
        .select('id')
        .where('state', '=', 'queued')
        .where('run_after', '<=', now)
        .where('type', 'in', types)
        .orderBy('run_after', 'asc')
        .orderBy('created_at', 'asc')
        .orderBy('id', 'asc')
        .limit(1);
      if (dialect === 'postgres') pick = pick.forUpdate().skipLocked();
      const row = await db
        .updateTable('jobs')
        .set((eb) => ({
          state: 'running',
          locked_by: workerId,
          locked_at: now,
          attempts: eb('attempts', '+', 1),
        }))
        .where('id', '=', pick)
        .where('state', '=', 'queued')
        .returningAll()
        .executeTakeFirst();
      return row ? rowToJob(row) : null;
    },

    async heartbeat(id, workerId, at) {
      await db.updateTable('jobs').set({ locked_at: at }).where('id', '=', id).where('locked_by', '=', workerId).where('state', '=', 'running').execute();
    },

    async get(id) {
      const row = await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? rowToJob(row) : null;
    },

    async complete(id) {
      await db.updateTable('jobs').set({ state: 'done', locked_by: null, locked_at: null }).where('id', '=', id).execute();
    },

    async fail(id, error) {
      await db.updateTable('jobs').set({ state: 'failed', last_error: error, locked_by: null, locked_at: null }).where('id', '=', id).execute();
    },

    async retry(id, error, runAfter) {
      await db
        .updateTable('jobs')
        .set({ state: 'queued', last_error: error, run_after: runAfter, locked_by: null, locked_at: null })
        .where('id', '=', id)
        .execute();
    },

    async requeueStale({ lockedBefore }) {
      const res = await db
        .updateTable('jobs')
        .set({ state: 'queued', locked_by: null, locked_at: null })
        .where('state', '=', 'running')
        .where('locked_at', '<', lockedBefore)
        .executeTakeFirst();
      return Number(res.numUpdatedRows);
    },

    async countQueued(types?: string[]) {
      let q = db
        .selectFrom('jobs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('state', '=', 'queued');
      if (types) q = q.where('type', 'in', types.length ? types : ['']);
      const row = await q.executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async countByState() {
      const rows = await db
        .selectFrom('jobs')
        .select(['type', 'state', (eb) => eb.fn.countAll<number>().as('n')])
        .where('state', '!=', 'done')
        .groupBy(['type', 'state'])
        .execute();
      return rows.map((r) => ({ type: r.type, state: r.state as 'queued' | 'running' | 'failed', count: Number(r.n) }));
    },
  };
}

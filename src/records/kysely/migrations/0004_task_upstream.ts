import { type Kysely, type Migration, sql } from 'kysely';

/**
 * A video task keeps its upstream job (hosted engines): the upstream's job id, the upstream model
 * it went to and when the submit began (unix ms; set before the submit, so a task with a time and
 * no id is one whose submit may or may not have reached the upstream). The index serves the count
 * of an engine's upstream slots in use.
 */
export const taskUpstream: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('video_tasks').addColumn('upstream_id', 'text').execute();
    await db.schema.alterTable('video_tasks').addColumn('upstream_model', 'text').execute();
    await db.schema.alterTable('video_tasks').addColumn('upstream_submitted_at', 'bigint').execute();
    await db.schema
      .createIndex('video_tasks_upstream_slots_idx')
      .on('video_tasks')
      .columns(['engine', 'status'])
      .where(sql.ref('upstream_submitted_at'), 'is not', null)
      .execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropIndex('video_tasks_upstream_slots_idx').execute();
    for (const c of ['upstream_submitted_at', 'upstream_model', 'upstream_id']) await db.schema.alterTable('video_tasks').dropColumn(c).execute();
  },
};

import type { Kysely, Migration } from 'kysely';

/**
 * The first schema: api keys, characters, idempotency keys, jobs and video tasks.
 * Written once for both dialects: text JSON, bigint times, double precision seconds, no booleans.
 */
export const initial: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .createTable('api_keys')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('hash', 'varchar(128)', (c) => c.notNull().unique())
      .addColumn('owner', 'varchar(32)', (c) => c.notNull().unique())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('revoked_at', 'bigint')
      .execute();

    await db.schema
      .createTable('characters')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('key_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('owner', 'varchar(32)', (c) => c.notNull())
      .addColumn('handle', 'varchar(64)', (c) => c.notNull())
      .addColumn('username', 'varchar(128)', (c) => c.notNull())
      .addColumn('username_lower', 'varchar(128)', (c) => c.notNull())
      .addColumn('display_name', 'text', (c) => c.notNull())
      .addColumn('visibility', 'varchar(16)', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('error_code', 'varchar(64)')
      .addColumn('error_message', 'text')
      .addColumn('source_kind', 'varchar(16)', (c) => c.notNull())
      .addColumn('source_ref', 'text', (c) => c.notNull())
      .addColumn('start_sec', 'double precision', (c) => c.notNull())
      .addColumn('end_sec', 'double precision', (c) => c.notNull())
      .addColumn('model', 'varchar(64)')
      .addColumn('portrait_key', 'text')
      .addColumn('clip_key', 'text')
      .addColumn('media', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull())
      .addUniqueConstraint('characters_username_lower_uq', ['username_lower'])
      .execute();
    await db.schema.createIndex('characters_key_created_idx').on('characters').columns(['key_id', 'created_at desc', 'id desc']).execute();
    await db.schema.createIndex('characters_handle_idx').on('characters').column('handle').execute();

    await db.schema
      .createTable('idempotency')
      .addColumn('key_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('idem_key', 'varchar(255)', (c) => c.notNull())
      .addColumn('request_hash', 'varchar(128)', (c) => c.notNull())
      .addColumn('character_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('idempotency_pk', ['key_id', 'idem_key'])
      .execute();
    await db.schema.createIndex('idempotency_character_idx').on('idempotency').column('character_id').execute();

    await db.schema
      .createTable('jobs')
      .addColumn('id', 'varchar(128)', (c) => c.primaryKey())
      .addColumn('type', 'varchar(64)', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('state', 'varchar(16)', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('run_after', 'bigint', (c) => c.notNull())
      .addColumn('locked_by', 'varchar(128)')
      .addColumn('locked_at', 'bigint')
      .addColumn('last_error', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('jobs_state_run_after_idx').on('jobs').columns(['state', 'run_after']).execute();

    await db.schema
      .createTable('video_tasks')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('key_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('model', 'varchar(64)', (c) => c.notNull())
      .addColumn('engine', 'varchar(64)', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('progress', 'double precision', (c) => c.notNull())
      .addColumn('prompt', 'text', (c) => c.notNull())
      .addColumn('size', 'varchar(32)', (c) => c.notNull())
      .addColumn('seconds', 'varchar(16)', (c) => c.notNull())
      .addColumn('remixed_from_video_id', 'varchar(64)')
      .addColumn('character_ids', 'text', (c) => c.notNull())
      .addColumn('input_reference_key', 'text')
      .addColumn('video_key', 'text')
      .addColumn('thumbnail_key', 'text')
      .addColumn('spritesheet_key', 'text')
      .addColumn('duration_sec', 'double precision')
      .addColumn('error_code', 'varchar(64)')
      .addColumn('error_message', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('completed_at', 'bigint')
      .addColumn('expires_at', 'bigint')
      .execute();
    await db.schema.createIndex('video_tasks_key_created_idx').on('video_tasks').columns(['key_id', 'created_at', 'id']).execute();
  },

  async down(db: Kysely<any>): Promise<void> {
    for (const t of ['video_tasks', 'jobs', 'idempotency', 'characters', 'api_keys']) {
      await db.schema.dropTable(t).ifExists().execute();
    }
  },
};

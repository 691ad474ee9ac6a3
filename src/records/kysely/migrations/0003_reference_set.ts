import type { Kysely, Migration } from 'kysely';

/**
 * A reference set per character: JPEG frames of the window (a JSON array of blob keys, '[]' for
 * the characters made before, which a one-time job fills in), the voice sample's key, and what
 * the frames show (JSON). One column per statement: SQLite adds one column per ALTER TABLE.
 */
export const referenceSet: Migration = {
  async up(db: Kysely<any>): Promise<void> {
    await db.schema
      .alterTable('characters')
      .addColumn('reference_keys', 'text', (c) => c.notNull().defaultTo('[]'))
      .execute();
    await db.schema.alterTable('characters').addColumn('voice_key', 'text').execute();
    await db.schema.alterTable('characters').addColumn('subject', 'text').execute();
  },

  async down(db: Kysely<any>): Promise<void> {
    for (const column of ['subject', 'voice_key', 'reference_keys']) {
      await db.schema.alterTable('characters').dropColumn(column).execute();
    }
  },
};

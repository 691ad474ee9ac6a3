import type { Kysely, Migration } from 'kysely';

/** The dashboard's sessions: signing out deletes the row, so a copied cookie stops working too. */
export const dashboardSessions: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('dashboard_sessions')
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('key_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('dashboard_sessions_expires_at').on('dashboard_sessions').column('expires_at').execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropTable('dashboard_sessions').execute();
  },
};

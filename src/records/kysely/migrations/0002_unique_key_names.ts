import { type Kysely, type Migration, sql } from 'kysely';

/**
 * Active key names become unique, so `keys revoke NAME` means one key. Names that were already
 * shared by active keys keep the oldest as it is and get the key id appended on the others.
 */
export const uniqueKeyNames: Migration = {
  async up(db: Kysely<any>) {
    const active = await db
      .selectFrom('api_keys')
      .select(['id', 'name'])
      .where('revoked_at', 'is', null)
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .execute();
    const seen = new Set<string>();
    for (const k of active as { id: string; name: string }[]) {
      if (seen.has(k.name))
        await db
          .updateTable('api_keys')
          .set({ name: `${k.name} ${k.id}` })
          .where('id', '=', k.id)
          .execute();
      seen.add(k.name);
    }
    await db.schema.createIndex('api_keys_active_name').on('api_keys').column('name').unique().where(sql.ref('revoked_at'), 'is', null).execute();
  },
  async down(db: Kysely<any>) {
    await db.schema.dropIndex('api_keys_active_name').execute();
  },
};

import type { Kysely, Selectable } from 'kysely';
import type { ApiKeyRecord, ApiKeyRepo } from '../types.js';
import type { ApiKeysTable, DB } from './database.js';

const rowToKey = (r: Selectable<ApiKeysTable>): ApiKeyRecord => ({
  id: r.id,
  name: r.name,
  hash: r.hash,
  owner: r.owner,
  createdAt: Number(r.created_at),
  revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
});

export function createApiKeysRepo(db: Kysely<DB>): ApiKeyRepo {
  return {
    async insert(k) {
      await db
        .insertInto('api_keys')
        .values({ id: k.id, name: k.name, hash: k.hash, owner: k.owner, created_at: k.createdAt, revoked_at: k.revokedAt })
        .execute();
    },

    async findByHash(hash) {
      const row = await db.selectFrom('api_keys').selectAll().where('hash', '=', hash).executeTakeFirst();
      return row ? rowToKey(row) : null;
    },

    async findByOwner(owner) {
      const row = await db.selectFrom('api_keys').selectAll().where('owner', '=', owner).executeTakeFirst();
      return row ? rowToKey(row) : null;
    },

    async list() {
      const rows = await db.selectFrom('api_keys').selectAll().orderBy('created_at', 'asc').orderBy('id', 'asc').execute();
      return rows.map(rowToKey);
    },

    async revoke(idOrName, at) {
      const result = await db
        .updateTable('api_keys')
        .set({ revoked_at: at })
        .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}

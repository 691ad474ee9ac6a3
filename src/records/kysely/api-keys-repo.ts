import type { Kysely, Selectable } from 'kysely';
import { AppError } from '../../errors.js';
import type { ApiKeyRecord, ApiKeyRepo } from '../ports.js';
import type { ApiKeysTable, DB, Dialect } from './database.js';
import { isUniqueViolation } from './sql-errors.js';

const ACTIVE_NAME_UNIQUE = { constraint: 'api_keys_active_name', column: 'api_keys.name' };

const rowToKey = (r: Selectable<ApiKeysTable>): ApiKeyRecord => ({
  id: r.id,
  name: r.name,
  hash: r.hash,
  owner: r.owner,
  createdAt: Number(r.created_at),
  revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
});

export function createApiKeysRepo(db: Kysely<DB>, dialect: Dialect): ApiKeyRepo {
  return {
    async insert(k) {
      try {
        await db
          .insertInto('api_keys')
          .values({ id: k.id, name: k.name, hash: k.hash, owner: k.owner, created_at: k.createdAt, revoked_at: k.revokedAt })
          .execute();
      } catch (err) {
        if (isUniqueViolation(err, dialect, ACTIVE_NAME_UNIQUE)) {
          throw new AppError('key_name_taken', `an active key is already named "${k.name}"`, { param: 'name', cause: err });
        }
        throw err;
      }
    },

    async findByHash(hash) {
      const row = await db.selectFrom('api_keys').selectAll().where('hash', '=', hash).executeTakeFirst();
      return row ? rowToKey(row) : null;
    },

    async findByOwner(owner) {
      const row = await db.selectFrom('api_keys').selectAll().where('owner', '=', owner).executeTakeFirst();
      return row ? rowToKey(row) : null;
    },

    async findById(id) {
      const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? rowToKey(row) : null;
    },

    async list() {
      const rows = await db.selectFrom('api_keys').selectAll().orderBy('created_at', 'asc').orderBy('id', 'asc').execute();
      return rows.map(rowToKey);
    },

    async revoke(idOrName, at) {
      // An id names one key; otherwise a name names the one active key of that name (names of active keys are unique).
      for (const column of ['id', 'name'] as const) {
        const result = await db.updateTable('api_keys').set({ revoked_at: at }).where(column, '=', idOrName).where('revoked_at', 'is', null).executeTakeFirst();
        if (Number(result.numUpdatedRows) > 0) return true;
      }
      return false;
    },
  };
}

import type { Kysely, Selectable } from 'kysely';
import type { IdempotencyRecord, IdempotencyRepo } from '../ports.js';
import type { DB, IdempotencyTable } from './database.js';

const rowToRecord = (r: Selectable<IdempotencyTable>): IdempotencyRecord => ({
  keyId: r.key_id,
  idemKey: r.idem_key,
  requestHash: r.request_hash,
  characterId: r.character_id,
  createdAt: Number(r.created_at),
});

export function createIdempotencyRepo(db: Kysely<DB>): IdempotencyRepo {
  const get = async (keyId: string, idemKey: string): Promise<IdempotencyRecord | null> => {
    const row = await db.selectFrom('idempotency').selectAll().where('key_id', '=', keyId).where('idem_key', '=', idemKey).executeTakeFirst();
    return row ? rowToRecord(row) : null;
  };

  return {
    async putIfAbsent(r) {
      await db
        .insertInto('idempotency')
        .values({
          key_id: r.keyId,
          idem_key: r.idemKey,
          request_hash: r.requestHash,
          character_id: r.characterId,
          created_at: r.createdAt,
        })
        .onConflict((oc) => oc.columns(['key_id', 'idem_key']).doNothing())
        .execute();
      const stored = await get(r.keyId, r.idemKey);
      // Only a concurrent deleteByCharacter between the two statements can leave nothing.
      return stored ?? r;
    },

    get,

    async deleteByCharacter(characterId) {
      await db.deleteFrom('idempotency').where('character_id', '=', characterId).execute();
    },
  };
}

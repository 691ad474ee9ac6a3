import type { Kysely } from 'kysely';
import type { SessionRepo } from '../ports.js';
import type { DB } from './database.js';

export function createSessionsRepo(db: Kysely<DB>): SessionRepo {
  return {
    async insert(s) {
      await db.insertInto('dashboard_sessions').values({ id: s.id, key_id: s.keyId, created_at: s.createdAt, expires_at: s.expiresAt }).execute();
    },
    async get(id) {
      const r = await db.selectFrom('dashboard_sessions').selectAll().where('id', '=', id).executeTakeFirst();
      return r ? { id: r.id, keyId: r.key_id, createdAt: Number(r.created_at), expiresAt: Number(r.expires_at) } : null;
    },
    async delete(id) {
      const r = await db.deleteFrom('dashboard_sessions').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    async deleteExpired(now) {
      const r = await db.deleteFrom('dashboard_sessions').where('expires_at', '<=', now).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}

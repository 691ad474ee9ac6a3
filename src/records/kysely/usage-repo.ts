import { type Kysely, sql } from 'kysely';
import type { KeyUsage, UsageRepo } from '../ports.js';
import type { DB } from './database.js';

/** Counts per key in two grouped queries: characters, and tasks per engine with the seconds rendered. */
export function createUsageRepo(db: Kysely<DB>): UsageRepo {
  return {
    async byKey() {
      const characters = await db
        .selectFrom('characters')
        .select(['key_id', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('key_id')
        .execute();
      const tasks = await db
        .selectFrom('video_tasks')
        .select([
          'key_id',
          'engine',
          (eb) => eb.fn.countAll<number>().as('n'),
          sql<number>`sum(case when status = 'completed' then 1 else 0 end)`.as('completed'),
          sql<number>`sum(case when status = 'completed' then cast(seconds as integer) else 0 end)`.as('seconds'),
        ])
        .groupBy(['key_id', 'engine'])
        .execute();
      const byKey = new Map<string, KeyUsage>();
      const entry = (keyId: string) => {
        const u = byKey.get(keyId) ?? { keyId, characters: 0, engines: [] };
        byKey.set(keyId, u);
        return u;
      };
      for (const row of characters) entry(row.key_id).characters = Number(row.n);
      for (const row of tasks) {
        entry(row.key_id).engines.push({ engine: row.engine, tasks: Number(row.n), completed: Number(row.completed), secondsRendered: Number(row.seconds) });
      }
      for (const u of byKey.values()) u.engines.sort((a, b) => a.engine.localeCompare(b.engine));
      return [...byKey.values()].sort((a, b) => a.keyId.localeCompare(b.keyId));
    },
  };
}

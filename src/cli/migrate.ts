import type { Config } from '../config/config.js';
import { migrateDatabase } from '../wiring.js';

/** `sora-characters migrate`: applies every pending migration of the configured database. */
export async function migrate(config: Config): Promise<void> {
  const applied = await migrateDatabase(config);
  console.log(applied.length ? `applied ${applied.join(', ')}; database is up to date` : 'database is up to date');
}

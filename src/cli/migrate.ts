import { resolve } from 'node:path';
import type { Config } from '../config/config.js';
import { createKyselyStore } from '../store/kysely/index.js';
import { mkdir } from 'node:fs/promises';
import { resolveSqlitePath } from '../wiring.js';

/** `sora-characters migrate`: opening the store applies every pending migration. */
export async function migrate(config: Config): Promise<void> {
  await mkdir(resolve(config.dataDir), { recursive: true });
  const store = await createKyselyStore(resolveSqlitePath(config.databaseUrl));
  await store.close();
  console.log('database is up to date');
}

import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { loadConfig } from '../../../src/config/config.js';
import type { NetworkOverrides } from '../../../src/fetch/download-options.js';
import { createHttpApp, createRuntime } from '../../../src/wiring.js';
import type { Harness } from '../../support/harness.js';

/**
 * The real runtime, kept offline for property tests: ALLOW_PRIVATE_URLS=false, and a network seam
 * under which every name resolves to 127.0.0.1 and every address is forbidden, so a URL that
 * passes the request checks is refused before any DNS query or socket. The queue does not run
 * unless asked (nothing is fetched or rendered in the background), and a synchronous create then
 * answers 202 at once.
 */
export const OFFLINE_NETWORK: NetworkOverrides = {
  resolveHost: async () => [{ address: '127.0.0.1', family: 4 }],
  isForbiddenAddress: () => true,
};

export interface OfflineHarness extends Harness {
  /** What the service has written so far: rows and files. */
  writes(): Promise<WriteCounts>;
  /** The files under DATA_DIR/tmp, by name. */
  tmpFiles(): Promise<string[]>;
}

export interface WriteCounts {
  characters: number;
  tasks: number;
  jobs: number;
  idempotency: number;
  /** Files under DATA_DIR/media (blobs) and DATA_DIR/tmp (uploads, scratch). */
  blobs: number;
  tmp: number;
}

export interface OfflineOptions {
  /** Replaces OFFLINE_NETWORK (the SSRF canary makes names resolve to its loopback servers). */
  network?: NetworkOverrides;
  /** Run the queue, so a create's download happens (and is refused) in its job. */
  runQueue?: boolean;
}

export async function startOfflineHarness(env: Record<string, string> = {}, opts: OfflineOptions = {}): Promise<OfflineHarness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sc-attack-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    API_KEYS: 'sk-alice-test-key,sk-bob-test-key',
    ALLOW_PRIVATE_URLS: 'false',
    PUBLIC_URL: 'http://sc.test',
    LOG_LEVEL: 'silent',
    SYNC_WAIT_MS: '1',
    MAX_QUEUED_JOBS: '1000000',
    ...env,
  });
  const rt = await createRuntime(config, { logger: pino({ level: 'silent' }), network: opts.network ?? OFFLINE_NETWORK });
  const app = await createHttpApp(rt, { logger: false });
  await app.ready();
  if (opts.runQueue) await rt.queue.start(rt.handlers);
  const db = new Database(join(dataDir, 'sora-characters.db'), { readonly: true, fileMustExist: true });
  const counts = db.prepare(
    'select (select count(*) from characters) as characters, (select count(*) from video_tasks) as tasks, ' +
      '(select count(*) from jobs) as jobs, (select count(*) from idempotency) as idempotency',
  );
  // A process's scratch folder holds its heartbeat file (`.alive`): that is not a write of a request.
  const filesUnder = async (dir: string) =>
    (await readdir(join(dataDir, dir), { recursive: true, withFileTypes: true }).catch(() => [])).filter((e) => e.isFile() && e.name !== '.alive').length;
  return {
    app,
    rt,
    dataDir,
    alice: { authorization: 'Bearer sk-alice-test-key' },
    bob: { authorization: 'Bearer sk-bob-test-key' },
    async writes() {
      const rows = counts.get() as Omit<WriteCounts, 'blobs' | 'tmp'>;
      return { ...rows, blobs: await filesUnder('media'), tmp: await filesUnder('tmp') };
    },
    async tmpFiles() {
      return (await readdir(join(dataDir, 'tmp'), { recursive: true }).catch(() => [])).map(String).filter((f) => !f.endsWith('.alive'));
    },
    async close() {
      db.close();
      await app.close();
      await rt.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

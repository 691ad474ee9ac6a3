import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { createCharacterService } from './characters/character-service.js';
import { CharacterEvents } from './characters/events.js';
import { createMakeCharacterJob } from './characters/make-character.js';
import type { Config } from './config/config.js';
import { loadSigningSecret } from './config/signing-secret.js';
import { createSourceFetcher } from './fetch/source-fetcher.js';
import { createInProcessQueue } from './jobs/inprocess/inprocess-queue.js';
import type { JobHandlers } from './jobs/types.js';
import { createKeyService } from './keys/key-service.js';
import { createMediaToolkit } from './media/toolkit.js';
import { createDiskBlobStore } from './storage/disk/disk-blob-store.js';
import { signFilePath } from './storage/signed-url.js';
import { createKyselyStore } from './store/kysely/index.js';

/**
 * The composition root: the only place that picks concrete adapters. serve, the CLI and the
 * tests all build the same runtime from a Config.
 */
export async function createRuntime(config: Config, opts: { logger?: pino.Logger; queueExclusive?: boolean } = {}) {
  const log = opts.logger ?? pino({ level: config.logLevel });
  const dataDir = resolve(config.dataDir);
  await mkdir(dataDir, { recursive: true });
  const signingSecret = await loadSigningSecret(config.signingSecret, dataDir);

  const store = await createKyselyStore(resolveSqlitePath(config.databaseUrl));
  const blobs = createDiskBlobStore(resolve(config.storageUrl.replace(/^file:/, '')));
  const queue = createInProcessQueue(store.jobs, {
    concurrency: config.workerConcurrency,
    maxAttempts: config.jobMaxAttempts,
    exclusive: opts.queueExclusive ?? config.databaseUrl.startsWith('sqlite:'),
    log,
  });
  const events = new CharacterEvents();
  const fetcher = createSourceFetcher({
    maxBytes: config.maxSourceBytes,
    timeoutMs: config.downloadTimeoutMs,
    allowPrivate: config.allowPrivateUrls,
    maxRedirects: 5,
  });
  const media = createMediaToolkit({ ffmpegPath: config.ffmpegPath, ffprobePath: config.ffprobePath });
  const signUrl = (key: string) =>
    `${config.publicUrl}${signFilePath(signingSecret, key, Math.floor(Date.now() / 1000) + config.signedUrlTtlSeconds)}`;

  const characters = createCharacterService({
    store, blobs, queue, fetcher, events, signUrl,
    publicUrl: config.publicUrl,
    workDir: join(dataDir, 'tmp'),
    maxQueuedJobs: config.maxQueuedJobs,
    syncWaitMs: config.syncWaitMs,
  });
  const keys = createKeyService(store.keys, { staticKeys: config.apiKeys, adminKeys: config.adminApiKeys });
  const handlers: JobHandlers = {
    'character.create': createMakeCharacterJob({
      store, blobs, fetcher, media, events, workDir: join(dataDir, 'tmp'), log,
    }),
  };

  return {
    config, log, signingSecret, store, blobs, queue, characters, keys, handlers,
    readiness: {
      store: () => store.ping(),
      storage: () => blobs.ping(),
      queue: () => queue.ping(),
    },
    async close() {
      await queue.stop();
      await store.close();
    },
  };
}

export type Runtime = Awaited<ReturnType<typeof createRuntime>>;

/** `sqlite:` paths are relative to the working directory, like DATA_DIR. */
export function resolveSqlitePath(url: string): string {
  return url.startsWith('sqlite:') ? `sqlite:${resolve(url.slice('sqlite:'.length))}` : url;
}

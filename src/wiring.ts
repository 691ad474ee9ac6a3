import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { buildApp } from './api/app.js';
import { createCharacterService } from './characters/character-service.js';
import { CharacterEvents } from './characters/events.js';
import { createMakeCharacterJob } from './characters/make-character.js';
import type { Config } from './config/config.js';
import { loadSigningSecret } from './config/signing-secret.js';
import { createLocalEngine } from './engines/local/index.js';
import { createEngineRegistry, modelMapFromSetting } from './engines/registry.js';
import type { NetworkOverrides } from './fetch/download-options.js';
import { createSourceFetcher } from './fetch/source-fetcher.js';
import { createInProcessQueue } from './jobs/inprocess/inprocess-queue.js';
import type { JobHandlers } from './jobs/ports.js';
import { createKeyService } from './keys/key-service.js';
import { checkImageHead, IMAGE_HEAD_BYTES, prepareReferenceImage } from './media/reference-image.js';
import { createMediaToolkit } from './media/toolkit.js';
import { createDiskBlobStore } from './blobs/disk/disk-blob-store.js';
import { withSmallBlobCache } from './blobs/small-blob-cache.js';
import { createUrlSigner } from './api/signed-url.js';
import { withCharacterCache } from './records/cached-characters.js';
import { createKyselyStore, migrateDatabase as migrateKysely, type KyselyStore } from './records/kysely/index.js';
import type { Store } from './records/ports.js';
import { createRenderVideoJob } from './videos/render-video.js';
import { createVideoService } from './videos/video-service.js';
import { createWebhookDeliveryHandler, createWebhookNotifier, jobQueueDeliveryQueue } from './webhooks/index.js';

/**
 * The composition root: the only place that picks concrete adapters. serve, the CLI and the
 * tests all build the same runtime from a Config.
 */
export async function createRuntime(
  config: Config,
  // `network`: the fetch seam of tests (a name resolving to loopback, an address deemed public); production passes none.
  opts: { logger?: pino.Logger; queueExclusive?: boolean; network?: NetworkOverrides } = {},
) {
  const log = opts.logger ?? pino({ level: config.logLevel });
  const dataDir = resolve(config.dataDir);
  await mkdir(dataDir, { recursive: true });
  const signingSecret = await loadSigningSecret(config.signingSecret, dataDir);

  const store = withLookupCache(await createKyselyStore(resolveSqlitePath(config.databaseUrl)));
  // Portraits and thumbnails are served from memory; everything is written through the cache.
  const blobs = withSmallBlobCache(createDiskBlobStore(resolve(config.storageUrl.replace(/^file:/, ''))));
  const queue = createInProcessQueue(store.jobs, {
    concurrency: config.workerConcurrency,
    maxAttempts: config.jobMaxAttempts,
    exclusive: opts.queueExclusive ?? config.databaseUrl.startsWith('sqlite:'),
    log,
  });
  const events = new CharacterEvents();
  const workDir = join(dataDir, 'tmp');
  const fetchLimits = {
    maxBytes: config.maxSourceBytes,
    timeoutMs: config.downloadTimeoutMs,
    allowPrivate: config.allowPrivateUrls,
    maxRedirects: 5,
    rangeReadMinBytes: config.rangeReadMinBytes,
  };
  const fetcher = createSourceFetcher(fetchLimits, opts.network);
  const media = createMediaToolkit({ ffmpegPath: config.ffmpegPath, ffprobePath: config.ffprobePath });
  const signUrl = createUrlSigner({ secret: signingSecret, publicUrl: config.publicUrl, ttlSeconds: config.signedUrlTtlSeconds });

  const characters = createCharacterService({
    store, blobs, queue, fetcher, events, signUrl,
    publicUrl: config.publicUrl,
    workDir,
    maxQueuedJobs: config.maxQueuedJobs,
    syncWaitMs: config.syncWaitMs,
    probeDurationSec: async (path) => (await media.probe(path)).durationSec,
  });
  const engines = createEngineRegistry(
    [createLocalEngine({ binaries: { ffmpeg: config.ffmpegPath, ffprobe: config.ffprobePath } })],
    modelMapFromSetting(config.engineModels ?? undefined),
  );
  // input_reference images: the same address rules, their own (small) size cap.
  const referenceFetcher = createSourceFetcher({ ...fetchLimits, maxBytes: config.maxReferenceImageBytes }, opts.network);
  const videos = createVideoService({
    store, blobs, queue, engines, workDir, maxQueuedJobs: config.maxQueuedJobs,
    prepareReferenceImage: (ref, paths) => prepareReferenceImage(ref, paths, (u, d) => referenceFetcher.fetchToFile(u, d), config.maxReferenceImageBytes),
  });
  const webhookQueue = jobQueueDeliveryQueue(queue);
  const webhooks = createWebhookNotifier({ url: config.webhookUrl, secret: config.webhookSecret, queue: webhookQueue, log });
  const keys = createKeyService(store.keys, { staticKeys: config.apiKeys, adminKeys: config.adminApiKeys });
  const handlers: JobHandlers = {
    'character.create': createMakeCharacterJob({
      store, blobs, fetcher, media, events, workDir, log,
      onSettled: (id, status) => webhooks.notify(status === 'ready' ? 'character.completed' : 'character.failed', id),
    }),
    'video.render': createRenderVideoJob({
      store, blobs, engines, workDir, log,
      onSettled: (t) => webhooks.notify(t.status === 'completed' ? 'video.completed' : 'video.failed', t.id),
    }),
    // Always registered: with webhooks off it drops deliveries recorded earlier instead of leaving them queued.
    'webhook.deliver': createWebhookDeliveryHandler({ url: config.webhookUrl, secret: config.webhookSecret, schedule: webhookQueue, log }),
  };

  return {
    config, log, signingSecret, store, blobs, queue, characters, videos, keys, handlers, workDir,
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

/** The HTTP app of a runtime (serve and the tests build it the same way). */
export function createHttpApp(rt: Runtime, opts: { logger?: boolean | object } = {}) {
  const c = rt.config;
  return buildApp({
    characters: rt.characters,
    keys: rt.keys,
    blobs: rt.blobs,
    signingSecret: rt.signingSecret,
    readiness: rt.readiness,
    queueDepth: () => rt.queue.depth(),
    settings: c,
    logger: opts.logger ?? rt.log,
    videos: {
      videos: rt.videos,
      tmpDir: rt.workDir,
      maxUploadBytes: c.maxUploadBytes,
      inputReferenceUpload: { maxBytes: c.maxReferenceImageBytes, headBytes: IMAGE_HEAD_BYTES, checkHead: checkImageHead },
      pollAfterMs: c.videoPollAfterMs,
    },
  });
}

/** SQLite can tell cheaply when someone else committed, so there character lookups are served from memory. */
function withLookupCache(store: KyselyStore): Store {
  const { externalChanges } = store;
  return externalChanges ? { ...store, characters: withCharacterCache(store.characters, { externalChanges }) } : store;
}

/** `sora-characters migrate`: the configured database brought to the latest schema; the names applied. */
export async function migrateDatabase(config: Config): Promise<string[]> {
  await mkdir(resolve(config.dataDir), { recursive: true });
  return migrateKysely(resolveSqlitePath(config.databaseUrl));
}

/** `sqlite:` paths are relative to the working directory, like DATA_DIR. */
export function resolveSqlitePath(url: string): string {
  return url.startsWith('sqlite:') ? `sqlite:${resolve(url.slice('sqlite:'.length))}` : url;
}

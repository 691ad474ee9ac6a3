import { join, resolve } from 'node:path';
import pino from 'pino';
import { buildApp } from './api/app.js';
import type { PageViewer } from './api/routes/profile.js';
import { createUrlSigner } from './api/signed-url.js';
import { createWorkMetrics } from './api/work-metrics.js';
import { buildWorkerApp } from './api/worker-app.js';
import { createDiskBlobStore } from './blobs/disk/disk-blob-store.js';
import type { BlobStore } from './blobs/ports.js';
import { createS3UrlPresigner } from './blobs/s3/presign-get-url.js';
import { objectUrl } from './blobs/s3/s3-address.js';
import { createS3BlobStore } from './blobs/s3/s3-blob-store.js';
import { type SmallBlobCache, withSmallBlobCache } from './blobs/small-blob-cache.js';
import { createReferenceBackfillJob, enqueueReferenceBackfill } from './characters/backfill-references.js';
import { createCharacterService } from './characters/character-service.js';
import { CharacterEvents } from './characters/events.js';
import { createMakeCharacterJob } from './characters/make-character.js';
import type { Config } from './config/config.js';
import { makePrivateDir, makePrivateFiles } from './config/private-files.js';
import { loadSigningSecret } from './config/signing-secret.js';
import { ARK_ENGINE_NAME, createArkEngine } from './engines/ark/index.js';
import { createFalEngine, FAL_ENGINE_NAME } from './engines/fal/index.js';
import { createLocalEngine } from './engines/local/index.js';
import type { Engine } from './engines/ports.js';
import { createEngineRegistry } from './engines/registry.js';
import type { NetworkOverrides } from './fetch/download-options.js';
import { createSourceFetcher } from './fetch/source-fetcher.js';
import { createBullmqQueue } from './jobs/bullmq/bullmq-queue.js';
import { createInProcessQueue } from './jobs/inprocess/inprocess-queue.js';
import { createScratchSpace } from './jobs/inprocess/scratch-space.js';
import type { JobConcurrency, JobHandlers, JobQueue, JobStartObserver } from './jobs/ports.js';
import { createKeyService } from './keys/key-service.js';
import { checkImageHead, IMAGE_HEAD_BYTES, prepareReferenceImage } from './media/reference-image.js';
import { createMediaToolkit } from './media/toolkit.js';
import { withCharacterCache } from './records/cached-characters.js';
import { sqlitePath } from './records/kysely/database.js';
import { createKyselyStore, type KyselyStore, migrateDatabase as migrateKysely } from './records/kysely/index.js';
import type { Store } from './records/ports.js';
import { createInProcessBus } from './signals/inprocess-bus.js';
import type { SignalBus } from './signals/ports.js';
import { createPostgresBus } from './signals/postgres-bus.js';
import { createRedisBus } from './signals/redis-bus.js';
import { createRenderVideoJob } from './videos/render-video.js';
import { createVideoService } from './videos/video-service.js';
import { createWebhookDeliveryJob, createWebhookNotifier, jobQueueDeliveryQueue } from './webhooks/index.js';

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
  const storage = openBlobStore(config);
  await makeDataDirPrivate(dataDir, storage.dir, log);
  const signingSecret = await loadSigningSecret(config.signingSecret, dataDir);

  const records = await createKyselyStore(resolveSqlitePath(config.databaseUrl));
  const signals = await openSignalBus(config, log);
  // With a bus that spans processes, what another process changes is told, not polled for.
  const sharedSignals = config.signalsUrl !== null;
  const store = withLookupCache(records, signals, sharedSignals);
  await makeDatabasePrivate(config.databaseUrl, log);
  // Portraits and thumbnails are served from memory; everything is written through the cache.
  // With a bus that spans processes, another process's delete is told (forget); kept blobs are then
  // rechecked once a minute, and every second while the bus is down.
  const blobCache = withSmallBlobCache(storage.store, sharedSignals ? { recheckMs: 1_000, trusted: () => signals.live() } : { recheckMs: storage.recheckMs });
  signals.subscribe('blobs.deleted', ({ prefix }) => blobCache.forget(prefix));
  signals.onGap(() => blobCache.forget(''));
  const blobs = announcingDeletes(blobCache, signals);
  // With Redis (QUEUE_URL) other processes share the jobs: nothing here is exclusive.
  const exclusive = !config.queueUrl && (opts.queueExclusive ?? config.databaseUrl.startsWith('sqlite:'));
  // Each process works in its own folder of DATA_DIR/tmp; what a killed one left is removed when the next starts.
  const scratch = createScratchSpace({ root: join(dataDir, 'tmp'), exclusive, log });
  const concurrency: JobConcurrency = {
    'character.create': config.workerConcurrency,
    // Backfilling old characters' reference sets is background work: one at a time.
    'character.references': 1,
    'video.render': config.renderConcurrency,
    'webhook.deliver': config.webhookConcurrency,
  };
  // The queue is made before the metrics that read it; its start observer reaches them through this.
  let onJobStart: JobStartObserver = () => {};
  const queue: JobQueue = config.queueUrl
    ? createBullmqQueue({
        url: config.queueUrl,
        prefix: config.queuePrefix,
        concurrency,
        maxAttempts: config.jobMaxAttempts,
        lockMs: config.jobLockMs,
        log,
        scratch,
        onStart: (type, ms) => onJobStart(type, ms),
      })
    : createInProcessQueue(store.jobs, {
        concurrency,
        maxAttempts: config.jobMaxAttempts,
        exclusive,
        log,
        scratch,
        onStart: (type, ms) => onJobStart(type, ms),
      });
  const metrics = createWorkMetrics({ jobCounts: () => queue.counts() });
  onJobStart = metrics.jobStarted;
  const events = new CharacterEvents(signals);
  const workDir = scratch.dir;
  const fetchLimits = {
    maxBytes: config.maxSourceBytes,
    timeoutMs: config.downloadTimeoutMs,
    allowPrivate: config.allowPrivateUrls,
    maxRedirects: 5,
    rangeReadMinBytes: config.rangeReadMinBytes,
  };
  const fetcher = createSourceFetcher(fetchLimits, opts.network);
  const media = createMediaToolkit({
    ffmpegPath: config.ffmpegPath,
    ffprobePath: config.ffprobePath,
    limits: { timeoutMs: config.ffmpegTimeoutMs, maxMemoryMb: config.ffmpegMaxMemoryMb },
  });
  // Media URLs point at this service's /files (streamed from the store, Range included), or with
  // FILE_URLS=presigned straight at the bucket.
  const presigned = config.fileUrls === 'presigned' ? config.s3 : null;
  const signUrl = presigned
    ? createS3UrlPresigner({ address: presigned, credentials: presigned, keyPrefix: presigned.prefix, ttlSeconds: config.signedUrlTtlSeconds })
    : createUrlSigner({ secret: signingSecret, publicUrl: config.publicUrl, ttlSeconds: config.signedUrlTtlSeconds });
  const mediaOrigin = presigned ? objectUrl(presigned, 'origin').origin : new URL(config.publicUrl).origin;

  const characters = createCharacterService({
    store,
    blobs,
    queue,
    fetcher,
    events,
    signUrl,
    publicUrl: config.publicUrl,
    workDir,
    maxQueuedJobs: config.maxQueuedJobs,
    syncWaitMs: config.syncWaitMs,
    probeDurationSec: async (path) => (await media.probe(path)).durationSec,
  });
  const binaries = { ffmpeg: config.ffmpegPath, ffprobe: config.ffprobePath };
  const engineList: Engine[] = [createLocalEngine({ binaries, maxMemoryMb: config.ffmpegMaxMemoryMb })];
  const routedTo = (engine: string) => [
    ...new Set(Object.values(config.engineRoutes).flatMap((r) => (r.engine === engine && r.upstreamModel ? [r.upstreamModel] : []))),
  ];
  // A hosted engine exists only when a model is routed to it (config.ts already refused a route without its key).
  if (config.falKey && routedTo(FAL_ENGINE_NAME).length > 0) {
    engineList.push(
      createFalEngine({
        key: config.falKey,
        queueUrl: config.falQueueUrl,
        concurrency: config.engineConcurrency,
        pollIntervalMs: config.enginePollIntervalMs,
        taskTimeoutMs: config.engineTaskTimeoutMs,
        // The upstream's result: the same address rules and MAX_SOURCE_BYTES cap as any source.
        download: (url, dest, signal) => fetcher.fetchToFile(url, dest, signal),
        binaries,
        maxMemoryMb: config.ffmpegMaxMemoryMb,
        upstreamModels: routedTo(FAL_ENGINE_NAME),
      }),
    );
  }
  if (config.arkApiKey && routedTo(ARK_ENGINE_NAME).length > 0) {
    engineList.push(
      createArkEngine({
        apiKey: config.arkApiKey,
        baseUrl: config.arkBaseUrl,
        send: { maxImages: config.arkMaxReferenceImages, media: config.arkReferenceMedia },
        concurrency: config.engineConcurrency,
        pollIntervalMs: config.enginePollIntervalMs,
        taskTimeoutMs: config.engineTaskTimeoutMs,
        download: (url, dest, signal) => fetcher.fetchToFile(url, dest, signal),
        binaries,
        maxMemoryMb: config.ffmpegMaxMemoryMb,
      }),
    );
  }
  const engines = createEngineRegistry(engineList, config.engineRoutes);
  // input_reference images: the same address rules, their own (small) size cap.
  const referenceFetcher = createSourceFetcher({ ...fetchLimits, maxBytes: config.maxReferenceImageBytes }, opts.network);
  const videos = createVideoService({
    store,
    blobs,
    queue,
    engines,
    workDir,
    maxQueuedJobs: config.maxQueuedJobs,
    prepareReferenceImage: (ref, paths) => prepareReferenceImage(ref, paths, (u, d) => referenceFetcher.fetchToFile(u, d), config.maxReferenceImageBytes),
  });
  const webhookQueue = jobQueueDeliveryQueue(queue);
  const webhooks = createWebhookNotifier({ url: config.webhookUrl, secret: config.webhookSecret, queue: webhookQueue, log });
  const keys = createKeyService(store.keys, { staticKeys: config.apiKeys, adminKeys: config.adminApiKeys, usage: store.usage, sessions: store.sessions });
  // Characters made before reference sets existed get theirs, once each (the job id is derived from the character's).
  const backfill = await enqueueReferenceBackfill(store, queue);
  if (backfill > 0) log.info({ characters: backfill }, 'reference sets to make from kept clips');
  const handlers: JobHandlers = {
    'character.create': createMakeCharacterJob({
      store,
      blobs,
      fetcher,
      media,
      events,
      workDir,
      log,
      onSettled: async (id, status) => {
        metrics.characterSettled(status);
        await webhooks.notify(status === 'ready' ? 'character.completed' : 'character.failed', id);
      },
    }),
    'character.references': createReferenceBackfillJob({ store, blobs, media, workDir, log }),
    'video.render': createRenderVideoJob({
      store,
      blobs,
      engines,
      workDir,
      log,
      signPublicUrl: config.publicUrlReachable ? signUrl : undefined,
      onSettled: (t) => webhooks.notify(t.status === 'completed' ? 'video.completed' : 'video.failed', t.id),
    }),
    // Always registered: with webhooks off it drops deliveries recorded earlier instead of leaving them queued.
    'webhook.deliver': createWebhookDeliveryJob({ url: config.webhookUrl, secret: config.webhookSecret, schedule: webhookQueue, log }),
  };

  return {
    config,
    log,
    signingSecret,
    mediaOrigin,
    store,
    blobs,
    queue,
    signals,
    characters,
    videos,
    keys,
    handlers,
    workDir,
    scratch,
    metrics,
    /** True when jobs are on Redis: `serve` then runs the API only and `worker` processes run the jobs. */
    sharedQueue: config.queueUrl !== null,
    readiness: {
      store: () => store.ping(),
      storage: () => blobs.ping(),
      queue: () => queue.ping(),
    },
    /** Stops taking jobs (running ones get `graceMs` to finish, then are handed back), then closes the store. */
    async close(graceMs?: number) {
      await queue.stop(graceMs);
      await signals.close();
      await scratch.close();
      await store.close();
      storage.close();
    },
  };
}

export type Runtime = Awaited<ReturnType<typeof createRuntime>>;

/** The HTTP app of a runtime (serve and the tests build it the same way). */
export function createHttpApp(rt: Runtime, opts: { logger?: boolean | object; viewer?: PageViewer } = {}) {
  const c = rt.config;
  return buildApp({
    characters: rt.characters,
    keys: rt.keys,
    blobs: rt.blobs,
    signingSecret: rt.signingSecret,
    mediaOrigin: rt.mediaOrigin,
    readiness: rt.readiness,
    queueDepth: () => rt.queue.depth(),
    workMetrics: rt.metrics.registry,
    settings: c,
    logger: opts.logger ?? rt.log,
    viewer: opts.viewer,
    videos: {
      videos: rt.videos,
      tmpDir: rt.workDir,
      maxUploadBytes: c.maxUploadBytes,
      inputReferenceUpload: { maxBytes: c.maxReferenceImageBytes, headBytes: IMAGE_HEAD_BYTES, checkHead: checkImageHead },
      pollAfterMs: c.videoPollAfterMs,
    },
  });
}

/** The `worker` process's listener: /healthz, /readyz and /metrics, no API route. */
export function createWorkerHttpApp(rt: Runtime) {
  return buildWorkerApp({
    readiness: rt.readiness,
    queueDepth: () => rt.queue.depth(),
    workMetrics: rt.metrics.registry,
    settings: rt.config,
    logger: rt.log,
  });
}

/**
 * The blob store of STORAGE_URL, and how often the small-blob cache asks it whether a kept blob
 * still exists. A folder: every second (a stat is cheap, and another process's delete shows
 * within it). S3: never, as each check is a paid HEAD per hot key per second; assets are never
 * rewritten in place, so only a delete can make a kept copy stale, and another process's delete
 * reaches the cache through `blobs.forget(prefix)`. (With a signal bus that spans processes the
 * caller overrides this: once a minute while the bus is live, every second while it is down.)
 */
function openBlobStore(config: Config): { store: BlobStore; recheckMs: number; dir: string | null; close(): void } {
  if (config.s3) {
    const store = createS3BlobStore(config.s3);
    return { store, recheckMs: Number.POSITIVE_INFINITY, dir: null, close: () => store.close() };
  }
  const dir = resolve(config.storageUrl.replace(/^file:/, ''));
  return { store: createDiskBlobStore(dir), recheckMs: 1_000, dir, close: () => {} };
}

/**
 * Character lookups served from memory where every change is seen: SQLite tells cheaply when
 * someone else committed; PostgreSQL has no such number, so there the cache needs a signal bus
 * that spans the processes (a change drops the record, a gap drops everything, and while the bus
 * is down nothing is served from memory).
 */
function withLookupCache(store: KyselyStore, signals: SignalBus, sharedSignals: boolean): Store {
  const { externalChanges } = store;
  if (!externalChanges && !sharedSignals) return store;
  const characters = withCharacterCache(store.characters, externalChanges ? { externalChanges } : { trusted: () => signals.live() });
  signals.subscribe('character.settled', ({ id }) => characters.forget(id));
  signals.subscribe('character.changed', ({ id }) => characters.forget(id));
  signals.onGap(() => characters.forgetAll());
  return { ...store, characters };
}

/** The signal bus of SIGNALS_URL (Redis pub/sub or PostgreSQL LISTEN/NOTIFY), or this process alone. */
async function openSignalBus(config: Config, log: pino.Logger): Promise<SignalBus> {
  const url = config.signalsUrl;
  const busLog = log.child({ component: 'signals' });
  if (url === null) return createInProcessBus({ onListenerError: (err) => busLog.warn({ err }, 'a signal listener failed') });
  const bus = /^rediss?:/.test(url)
    ? createRedisBus({ url, channelPrefix: config.signalsPrefix, log: busLog })
    : createPostgresBus({ url, channelPrefix: config.signalsPrefix, log: busLog });
  // A bus that is not up yet is safe (caches do not trust it, waiters poll the store), so the start goes on.
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000).unref());
  const started = await Promise.race([
    bus.ready().then(
      () => 'ready' as const,
      (err: Error) => err,
    ),
    timeout,
  ]);
  if (started !== 'ready') busLog.warn({ err: started }, 'the signal bus is not listening yet: changes by other processes are polled for until it is');
  return bus;
}

/** Every deletePrefix is told to the other processes once it ran (their small-blob caches forget the prefix). */
function announcingDeletes(blobs: SmallBlobCache, signals: SignalBus): BlobStore & SmallBlobCache {
  return {
    ...blobs,
    async deletePrefix(prefix) {
      try {
        await blobs.deletePrefix(prefix);
      } finally {
        signals.publish('blobs.deleted', { prefix });
      }
    },
  };
}

/** `sora-characters migrate`: the configured database brought to the latest schema; the names applied. */
export async function migrateDatabase(config: Config): Promise<string[]> {
  await makePrivateDir(resolve(config.dataDir));
  const applied = await migrateKysely(resolveSqlitePath(config.databaseUrl));
  await makeDatabasePrivate(config.databaseUrl);
  return applied;
}

/** DATA_DIR, its scratch folder and (when inside it) the storage folder: 0700. */
async function makeDataDirPrivate(dataDir: string, storageDir: string | null, log: pino.Logger) {
  const dirs = [dataDir, join(dataDir, 'tmp'), ...(storageDir?.startsWith(`${dataDir}/`) ? [storageDir] : [])];
  for (const dir of dirs) {
    if (!(await makePrivateDir(dir))) log.warn({ dir }, 'cannot make this folder private (0700): it belongs to another user');
  }
}

/** The SQLite file and its WAL and shared-memory files: 0600 (SQLite gives later ones the file's mode). */
async function makeDatabasePrivate(databaseUrl: string, log?: pino.Logger) {
  if (!databaseUrl.startsWith('sqlite:')) return;
  const path = sqlitePath(databaseUrl);
  if (path === ':memory:') return;
  const file = resolve(path);
  const refused = await makePrivateFiles([file, `${file}-wal`, `${file}-shm`]);
  if (refused.length > 0) log?.warn({ files: refused }, 'cannot make the database files private (0600): they belong to another user');
}

/** `sqlite:` paths are relative to the working directory, like DATA_DIR. */
export function resolveSqlitePath(url: string): string {
  return url.startsWith('sqlite:') ? `sqlite:${resolve(url.slice('sqlite:'.length))}` : url;
}

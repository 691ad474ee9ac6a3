/**
 * The character and video services as wiring.ts builds them, on the in-memory fakes of the
 * Store and BlobStore ports (test/support/fakes/, checked by the contract suites). Everything
 * else is real: the in-process queue over the fake store's jobs (enqueued to, never started, so
 * no job runs), the source fetcher (its request-time checks touch no network), the URL signer,
 * the local engine (chosen by model, never run), the key service that makes the principals.
 * For the unit tier: no ffmpeg, no socket, no database.
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUrlSigner } from '../../src/api/signed-url.js';
import { type CharacterService, createCharacterService } from '../../src/characters/character-service.js';
import { CharacterEvents } from '../../src/characters/events.js';
import { createLocalEngine } from '../../src/engines/local/index.js';
import { createEngineRegistry } from '../../src/engines/registry.js';
import { createSourceFetcher } from '../../src/fetch/source-fetcher.js';
import { createInProcessQueue } from '../../src/jobs/inprocess/inprocess-queue.js';
import type { JobQueue } from '../../src/jobs/ports.js';
import { createKeyService } from '../../src/keys/key-service.js';
import { prepareReferenceImage } from '../../src/media/reference-image.js';
import type { Principal } from '../../src/principal.js';
import type { Store } from '../../src/records/ports.js';
import { createInProcessBus } from '../../src/signals/inprocess-bus.js';
import type { SignalBus } from '../../src/signals/ports.js';
import { createVideoService, type VideoService } from '../../src/videos/video-service.js';
import { createMemoryBlobStore, type MemoryBlobStore } from './fakes/memory-blobs.js';
import { createMemoryStore } from './fakes/memory-store.js';

export const PUBLIC_URL = 'http://sc.test';
const MAX_SOURCE_BYTES = 8 * 1024 * 1024;

export interface ServicesOnFakes {
  store: Store;
  blobs: MemoryBlobStore;
  queue: JobQueue;
  /** The in-process signal bus the services publish on. */
  signals: SignalBus;
  characters: CharacterService;
  videos: VideoService;
  /** Two static keys, to test tenancy. */
  alice: Principal;
  bob: Principal;
  /** The services' clock (unix seconds); it moves only when a test moves it. */
  clock: { now(): number; advance(seconds: number): void };
  close(): Promise<void>;
}

export async function servicesOnFakes(opts: { maxQueuedJobs?: number } = {}): Promise<ServicesOnFakes> {
  const store = createMemoryStore();
  const blobs = createMemoryBlobStore();
  const queue = createInProcessQueue(store.jobs, { concurrency: 1, maxAttempts: 3, exclusive: true });
  const fetcher = createSourceFetcher({ maxBytes: MAX_SOURCE_BYTES, timeoutMs: 5_000, allowPrivate: false, maxRedirects: 5 });
  const workDir = join(tmpdir(), `sc-unit-${randomUUID()}`);
  let t = 1_700_000_000;
  const clock = {
    now: () => t,
    advance(seconds: number) {
      t += seconds;
    },
  };
  const maxQueuedJobs = opts.maxQueuedJobs ?? 100;
  const signals = createInProcessBus();

  const characters = createCharacterService({
    store,
    blobs,
    queue,
    fetcher,
    events: new CharacterEvents(signals),
    signUrl: createUrlSigner({ secret: 'unit-test-signing-secret-0123456789', publicUrl: PUBLIC_URL, ttlSeconds: 3600, now: clock.now }),
    publicUrl: PUBLIC_URL,
    workDir,
    maxQueuedJobs,
    syncWaitMs: 0,
    probeDurationSec: async () => {
      throw new Error('probeDurationSec runs ffprobe: not in the unit tier');
    },
    now: clock.now,
  });
  const videos = createVideoService({
    store,
    blobs,
    queue,
    engines: createEngineRegistry([createLocalEngine()]),
    prepareReferenceImage: (ref, scratch) => prepareReferenceImage(ref, scratch, (u, d) => fetcher.fetchToFile(u, d), MAX_SOURCE_BYTES),
    workDir,
    maxQueuedJobs,
    now: clock.now,
  });

  const keys = createKeyService(store.keys, { staticKeys: ['sk-alice-unit-key', 'sk-bob-unit-key'], adminKeys: [] });
  return {
    store,
    blobs,
    queue,
    signals,
    characters,
    videos,
    alice: await keys.authenticate('sk-alice-unit-key'),
    bob: await keys.authenticate('sk-bob-unit-key'),
    clock,
    async close() {
      await signals.close();
      await store.close();
      await rm(workDir, { recursive: true, force: true });
    },
  };
}

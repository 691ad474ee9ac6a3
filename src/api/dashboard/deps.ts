import type { BlobLoader, BlobStore } from '../../blobs/ports.js';
import type { CharacterService } from '../../characters/character-service.js';
import type { KeyService } from '../../keys/key-service.js';
import type { VideoService } from '../../videos/video-service.js';
import type { DashboardGuard } from './guard.js';

/** What the dashboard's pages call: the services the API calls, and the session guard. */
export interface DashboardDeps {
  guard: DashboardGuard;
  characters: CharacterService;
  videos: VideoService;
  keys: KeyService;
  blobs: Pick<BlobStore, 'stat' | 'read'> & Partial<BlobLoader>;
  queueDepth: () => Promise<number>;
  publicUrl: string;
  tmpDir: string;
  maxUploadBytes: number;
  /** RATE_LIMIT_PER_MINUTE: the forms a key may send per minute (pages and status polls are not counted); null: no limit. */
  rateLimitPerMinute: number | null;
}

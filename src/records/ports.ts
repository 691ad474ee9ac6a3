/** Ports of the store: what the services need from a database. Kysely implements them for SQLite and PostgreSQL. */

export type Visibility = 'private' | 'public';
export type CharacterStatus = 'processing' | 'ready' | 'failed';

export interface ApiKeyRecord {
  id: string; // key_ + 24 hex
  name: string;
  /** sha256 hex of the secret key; the key itself is never stored. */
  hash: string;
  /** Stable 9-character lowercase handle, the `<owner>` of usernames. */
  owner: string;
  createdAt: number; // unix seconds
  revokedAt: number | null;
}

export interface CharacterSource {
  kind: 'url' | 'task' | 'upload';
  /** The URL (data: URLs are recorded as `data:<mime>` only), the task id, or the upload's file name. */
  ref: string;
}

export interface CharacterRecord {
  id: string; // ch_ + 32 hex
  keyId: string;
  owner: string;
  handle: string;
  /** `<owner>.<handle>`, lowercase; unique across the service. */
  username: string;
  displayName: string;
  visibility: Visibility;
  status: CharacterStatus;
  errorCode: string | null;
  errorMessage: string | null;
  source: CharacterSource;
  startSec: number;
  endSec: number;
  model: string | null;
  /** Blob keys, set when ready. */
  portraitKey: string | null;
  clipKey: string | null;
  /** Facts measured by the pipeline: duration, size, chosen frame time, face found... */
  media: Record<string, unknown> | null;
  createdAt: number;
  updatedAt: number;
}

export interface CharacterPage {
  items: CharacterRecord[];
  hasMore: boolean;
}

export interface CharacterRepo {
  /** Throws AppError('username_taken') when the username (case-insensitive) exists. */
  insert(c: CharacterRecord): Promise<void>;
  get(id: string): Promise<CharacterRecord | null>;
  getByUsername(username: string): Promise<CharacterRecord | null>;
  usernameExists(username: string): Promise<boolean>;
  /** Whether any character of any owner has this handle (generated handles are unique service-wide). */
  handleExists(handle: string): Promise<boolean>;
  /**
   * Newest first; `after` is a character id of the key (cursor); order is (createdAt desc, id desc).
   * An `after` that is not a character of the key throws AppError('invalid_parameter', param 'after').
   */
  listByKey(keyId: string, opts: { limit: number; after?: string }): Promise<CharacterPage>;
  /**
   * Applies the patch and returns the updated record (null when the id is unknown). `updatedAt`
   * is set to now (unix seconds) unless the patch carries it. A username change that collides
   * throws AppError('username_taken').
   */
  update(id: string, patch: Partial<Omit<CharacterRecord, 'id' | 'keyId' | 'owner'>>): Promise<CharacterRecord | null>;
  delete(id: string): Promise<boolean>;
}

/**
 * A character named the ways clients name one: its id (`ch_...`), or its username with or
 * without the `@` of a mention, in any case.
 */
export function findCharacterByIdOrUsername(repo: Pick<CharacterRepo, 'get' | 'getByUsername'>, ref: string): Promise<CharacterRecord | null> {
  return ref.startsWith('ch_') ? repo.get(ref) : repo.getByUsername(ref.replace(/^@/, '').toLowerCase());
}

export interface ApiKeyRepo {
  /** AppError key_name_taken when an active key has that name. */
  insert(k: ApiKeyRecord): Promise<void>;
  /** Revoked keys are returned too: the caller checks `revokedAt`. */
  findByHash(hash: string): Promise<ApiKeyRecord | null>;
  findByOwner(owner: string): Promise<ApiKeyRecord | null>;
  /** Oldest first. */
  list(): Promise<ApiKeyRecord[]>;
  /**
   * Revokes the active key of that id (`key_...`) or that name: one key at most, since active
   * names are unique. True when a key matched; a key revoked before keeps its first `revokedAt`.
   */
  revoke(idOrName: string, at: number): Promise<boolean>;
}

export interface IdempotencyRecord {
  keyId: string;
  idemKey: string;
  /** sha256 of the canonical request body. */
  requestHash: string;
  characterId: string;
  createdAt: number;
}

export interface IdempotencyRepo {
  /** Inserts unless (keyId, idemKey) exists; returns the stored record either way. */
  putIfAbsent(r: IdempotencyRecord): Promise<IdempotencyRecord>;
  get(keyId: string, idemKey: string): Promise<IdempotencyRecord | null>;
  deleteByCharacter(characterId: string): Promise<void>;
}

export type JobState = 'queued' | 'running' | 'done' | 'failed';

export interface JobRecord {
  id: string;
  type: string;
  payload: unknown;
  state: JobState;
  attempts: number;
  runAfter: number; // unix ms
  lockedBy: string | null;
  lockedAt: number | null; // unix ms
  lastError: string | null;
  createdAt: number; // unix ms
}

/** The embedded queue: jobs are rows, so a restart finds them again. */
export interface JobRepo {
  /** `runAfter` defaults to now (ms). An id that already exists is left as it is (idempotent enqueue). */
  enqueue(job: { id: string; type: string; payload: unknown; runAfter?: number }): Promise<void>;
  /**
   * Atomically takes the queued job of one of `types` with `runAfter <= now` that comes first in
   * (runAfter, createdAt, id), marks it running for `workerId` (lockedAt = now, attempts + 1) and
   * returns it. Two concurrent claimers never get the same job. No types: null.
   */
  claim(workerId: string, types: string[], now: number): Promise<JobRecord | null>;
  /** Proves a running job's worker alive: sets lockedAt = `at` if the job is still running for `workerId`. */
  heartbeat(id: string, workerId: string, at: number): Promise<void>;
  /** A running job's worker proves it is alive: sets lockedAt = now when lockedBy = workerId. */
  heartbeat(id: string, workerId: string, now: number): Promise<void>;
  get(id: string): Promise<JobRecord | null>;
  /** Marks the job done and unlocks it. */
  complete(id: string): Promise<void>;
  /** Marks the job failed for good, keeping `error`. */
  fail(id: string, error: string): Promise<void>;
  /** Puts the job back in the queue, to run at `runAfter` (ms), keeping `error`. */
  retry(id: string, error: string, runAfter: number): Promise<void>;
  /** Running jobs locked before `lockedBefore` (unix ms) go back to queued; returns how many. */
  requeueStale(opts: { lockedBefore: number }): Promise<number>;
  /** Queued jobs, runnable now or later. */
  /** Queued jobs, of the given types only when `types` is set. */
  countQueued(types?: string[]): Promise<number>;
  /** Jobs not done, by type and state (metrics); states with no job are left out. */
  countByState(): Promise<{ type: string; state: Exclude<JobState, 'done'>; count: number }[]>;
}

export type VideoTaskStatus = 'queued' | 'in_progress' | 'completed' | 'failed';

/** A video task in the OpenAI Videos API shape (what `from_task` points to). */
export interface VideoTaskRecord {
  id: string; // video_ + uuid v4
  keyId: string;
  model: string;
  engine: string;
  status: VideoTaskStatus;
  progress: number; // 0..100
  prompt: string;
  size: string; // e.g. 720x1280
  seconds: string; // "4" | "8" | "12"
  remixedFromVideoId: string | null;
  characterIds: string[];
  inputReferenceKey: string | null;
  /** Blob keys of the rendered variants, set when completed. */
  videoKey: string | null;
  thumbnailKey: string | null;
  spritesheetKey: string | null;
  durationSec: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: number;
  completedAt: number | null;
  expiresAt: number | null;
}

export interface VideoTaskRepo {
  insert(t: VideoTaskRecord): Promise<void>;
  get(id: string): Promise<VideoTaskRecord | null>;
  /**
   * `order` by (createdAt, id); `after` is a task id of the key (cursor). An `after` that is not a
   * task of the key throws AppError('invalid_parameter', param 'after').
   */
  listByKey(keyId: string, opts: { limit: number; order: 'asc' | 'desc'; after?: string }): Promise<{ items: VideoTaskRecord[]; hasMore: boolean }>;
  update(id: string, patch: Partial<Omit<VideoTaskRecord, 'id' | 'keyId'>>): Promise<VideoTaskRecord | null>;
  delete(id: string): Promise<boolean>;
}

export interface Store {
  tasks: VideoTaskRepo;
  keys: ApiKeyRepo;
  characters: CharacterRepo;
  idempotency: IdempotencyRepo;
  jobs: JobRepo;
  /** Reachability check for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

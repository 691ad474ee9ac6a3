import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { characterKeys } from '../blob-keys.js';
import type { BlobStore } from '../blobs/ports.js';
import { unixNow } from '../clock.js';
import { AppError, type ErrorCode } from '../errors.js';
import { assertQueueHasRoom, type JobQueue } from '../jobs/ports.js';
import type { Principal } from '../principal.js';
import { type CharacterRecord, findCharacterByIdOrUsername, type Store, type Visibility } from '../records/ports.js';
import { isDataUrl } from '../source-url.js';
import { parseDisplayName } from './display-name.js';
import type { CharacterEvents } from './events.js';
import type { SourceFetcher, UrlSigner } from './ports.js';
import { checkWindowInside, parseTimestamps } from './timestamps.js';
import { pickUniqueUsername } from './usernames.js';
import { type CharacterView, toCharacterView } from './view.js';

export interface CreateCharacterInput {
  timestamps?: unknown;
  url?: string;
  from_task?: string;
  model?: string;
  username?: string;
  display_name?: string;
  visibility?: Visibility;
  /** A local file the caller received (CLI --file, multipart upload); moved into the blob store. */
  upload?: { path: string; filename: string };
}

export interface CreateOptions {
  idempotencyKey?: string;
  /** Prefer: respond-async: answer at once with the character processing. */
  respondAsync?: boolean;
}

export interface CharacterServiceDeps {
  store: Pick<Store, 'characters' | 'idempotency' | 'tasks'>;
  blobs: BlobStore;
  queue: JobQueue;
  fetcher: SourceFetcher;
  events: CharacterEvents;
  signUrl: UrlSigner;
  publicUrl: string;
  /** Scratch space for inline (data:) sources on their way to the blob store. */
  workDir: string;
  maxQueuedJobs: number;
  syncWaitMs: number;
  /** Duration of a local video (seconds), to choose a default window for SDK uploads. */
  probeDurationSec: (path: string) => Promise<number>;
  now?: () => number;
}

const newCharacterId = () => `ch_${randomBytes(16).toString('hex')}`;

/** The errors that are about the source itself: the request field that named it is their param. */
const SOURCE_ERRORS = new Set<ErrorCode>([
  'invalid_url',
  'url_not_allowed',
  'source_unreachable',
  'source_timeout',
  'source_too_large',
  'unsupported_media',
  'media_too_large',
  'task_not_found',
]);
const SOURCE_FIELDS: Record<CharacterRecord['source']['kind'], string> = { url: 'url', task: 'from_task', upload: 'video' };

/** Which request field a failure of the job points at, as the synchronous answer names it. */
function paramOfFailure(code: ErrorCode, source: CharacterRecord['source']['kind']): string | null {
  if (code === 'timestamps_out_of_range') return 'timestamps';
  return SOURCE_ERRORS.has(code) ? SOURCE_FIELDS[source] : null;
}

export function createCharacterService(deps: CharacterServiceDeps) {
  const { store, blobs, queue, fetcher, events } = deps;
  const now = deps.now ?? unixNow;
  const view = (c: CharacterRecord) => toCharacterView(c, deps.publicUrl, deps.signUrl);

  /** Loads a character the principal may see: its own, or a public one. */
  async function findVisible(p: Principal, idOrUsername: string): Promise<CharacterRecord> {
    const c = await findCharacterByIdOrUsername(store.characters, idOrUsername);
    if (!c || (c.keyId !== p.keyId && c.visibility !== 'public')) {
      throw new AppError('character_not_found', `no character ${idOrUsername}`);
    }
    return c;
  }

  /** Loads a character the principal may change: 404 if it may not see it, 403 if public but not its own. */
  async function findOwned(p: Principal, id: string): Promise<CharacterRecord> {
    const c = await findVisible(p, id);
    if (c.keyId !== p.keyId) throw new AppError('not_owner', 'only the key that created this character may change it');
    return c;
  }

  async function waitSettled(id: string): Promise<CharacterRecord | null> {
    await events.waitFor(id, deps.syncWaitMs, async () => {
      const c = await store.characters.get(id);
      return !c || c.status !== 'processing';
    });
    return store.characters.get(id);
  }

  /** The answer of a synchronous create: the ready character, or the failure as an error (nothing kept). */
  async function settleForResponse(id: string): Promise<{ status: 200 | 202; body: CharacterView }> {
    const c = await waitSettled(id);
    if (!c) throw new AppError('character_not_found', `character ${id} was deleted while it was being made`);
    if (c.status === 'ready') return { status: 200, body: view(c) };
    if (c.status === 'processing') return { status: 202, body: view(c) };
    await removeCharacter(c);
    const code = (c.errorCode ?? 'internal_error') as ErrorCode;
    throw new AppError(code, c.errorMessage ?? 'processing failed', { param: paramOfFailure(code, c.source.kind) });
  }

  async function removeCharacter(c: CharacterRecord): Promise<void> {
    await store.characters.delete(c.id);
    await store.idempotency.deleteByCharacter(c.id);
    await blobs.deletePrefix(characterKeys(c.id).prefix);
    events.changed(c);
  }

  /**
   * The source of a new character. `from_task` wins over `url` when it names a task of this key;
   * relay clients (the seed's own example) send a placeholder `from_task` beside a real `url`, so
   * a `from_task` this key cannot see falls back to the `url`. Another key's task and a missing
   * one answer alike, so a task id reveals nothing.
   */
  async function resolveSource(p: Principal, input: CreateCharacterInput): Promise<CharacterRecord['source']> {
    if (input.from_task !== undefined) {
      const task = await store.tasks.get(input.from_task);
      if (task && task.keyId === p.keyId) {
        if (task.status !== 'completed' || !task.videoKey) {
          throw new AppError('task_not_completed', `video task ${input.from_task} is ${task.status}, not completed`, { param: 'from_task' });
        }
        return { kind: 'task', ref: task.id };
      }
      if (input.url === undefined && !input.upload) {
        throw new AppError('task_not_found', `no video task ${input.from_task}`, { param: 'from_task' });
      }
    }
    if (input.upload) return { kind: 'upload', ref: input.upload.filename };
    if (input.url !== undefined) {
      fetcher.checkUrl(input.url);
      // An inline source is recorded by its media type only; its bytes travel as an upload.
      if (isDataUrl(input.url)) return { kind: 'url', ref: input.url.slice(0, input.url.search(/[;,]/)) };
      return { kind: 'url', ref: input.url };
    }
    throw new AppError('missing_source', 'send a video `url` or a `from_task` id', { param: 'url' });
  }

  const requestHash = (input: CreateCharacterInput) =>
    createHash('sha256')
      .update(JSON.stringify({ ...input, upload: input.upload?.filename }, Object.keys(input).sort()))
      .digest('hex');

  return {
    view,
    findVisible,

    async create(p: Principal, given: CreateCharacterInput, opts: CreateOptions = {}): Promise<{ status: 200 | 202; body: CharacterView }> {
      // A URL is judged, stored and fetched as one trimmed string (a `data:` URL with a leading space is still inline).
      const input = typeof given.url === 'string' ? { ...given, url: given.url.trim() } : given;
      const window = parseTimestamps(input.timestamps);
      const source = await resolveSource(p, input);
      if (source.kind === 'task') {
        const task = await store.tasks.get(source.ref);
        if (task?.durationSec) checkWindowInside(window, task.durationSec);
      }

      const id = newCharacterId();
      if (opts.idempotencyKey) {
        const hash = requestHash(input);
        const rec = await store.idempotency.putIfAbsent({
          keyId: p.keyId,
          idemKey: opts.idempotencyKey,
          requestHash: hash,
          characterId: id,
          createdAt: now(),
        });
        if (rec.requestHash !== hash) {
          throw new AppError('idempotency_conflict', 'this Idempotency-Key was used with another request body');
        }
        if (rec.characterId !== id) {
          // A concurrent twin may have claimed the key but not stored its character yet.
          let prior = await store.characters.get(rec.characterId);
          for (let i = 0; !prior && i < 20 && now() - rec.createdAt < 5; i++) {
            await new Promise((r) => setTimeout(r, 100));
            prior = await store.characters.get(rec.characterId);
          }
          if (prior) return opts.respondAsync ? { status: prior.status === 'processing' ? 202 : 200, body: view(prior) } : settleForResponse(prior.id);
          // The earlier attempt's character is gone (failed or deleted): this request starts afresh.
          await store.idempotency.deleteByCharacter(rec.characterId);
          return this.create(p, input, opts);
        }
      }

      try {
        await assertQueueHasRoom(queue, deps.maxQueuedJobs);
        const username = await pickUniqueUsername(
          p.owner,
          {
            handleTaken: (handle) => store.characters.handleExists(handle),
            usernameTaken: (u) => store.characters.usernameExists(u),
          },
          input.username,
        );
        if (input.upload) {
          await blobs.putFile(characterKeys(id).upload, input.upload.path, 'application/octet-stream');
        } else if (input.url !== undefined && isDataUrl(input.url) && source.kind === 'url') {
          await mkdir(deps.workDir, { recursive: true });
          const tmp = join(deps.workDir, `${id}.inline`);
          try {
            await fetcher.fetchToFile(input.url, tmp);
            await blobs.putFile(characterKeys(id).upload, tmp, 'application/octet-stream');
          } finally {
            await rm(tmp, { force: true });
          }
        }
        const t = now();
        const handle = username.slice(p.owner.length + 1);
        await store.characters.insert({
          id,
          keyId: p.keyId,
          owner: p.owner,
          handle,
          username,
          displayName: input.display_name?.trim() || handle,
          visibility: input.visibility ?? 'private',
          status: 'processing',
          errorCode: null,
          errorMessage: null,
          source,
          startSec: window.startSec,
          endSec: window.endSec,
          model: input.model ?? null,
          portraitKey: null,
          referenceKeys: [],
          voiceKey: null,
          subject: null,
          clipKey: null,
          media: null,
          createdAt: t,
          updatedAt: t,
        });
        await queue.enqueue('character.create', { characterId: id }, { id: `job_${id}` });
      } catch (err) {
        if (opts.idempotencyKey) await store.idempotency.deleteByCharacter(id);
        await blobs.deletePrefix(characterKeys(id).prefix).catch(() => {});
        throw err;
      }
      if (opts.respondAsync) {
        const c = await store.characters.get(id);
        return { status: 202, body: view(c!) };
      }
      return settleForResponse(id);
    },

    /**
     * For the profile page: any existing character, with its owner handle and the id of the key
     * that owns it (the page shows a private character whole only to that key's signed-in owner).
     */
    async findProfile(username: string): Promise<{ character: CharacterView; owner: string; ownerKeyId: string } | null> {
      const c = await store.characters.getByUsername(username.replace(/^@/, '').toLowerCase());
      return c ? { character: view(c), owner: c.owner, ownerKeyId: c.keyId } : null;
    },

    /**
     * The official SDK's `videos.createCharacter`: an uploaded video, a name and optional
     * timestamps; without them the first 3 s, or the whole video when it lasts 1-3 s.
     */
    async createFromUpload(p: Principal, input: { path: string; filename: string; name: unknown; timestamps?: unknown }) {
      const name = parseDisplayName(input.name, 'name');
      let timestamps = input.timestamps;
      if (timestamps === undefined || timestamps === '') {
        const duration = await deps.probeDurationSec(input.path);
        if (duration < 1 - 0.05) {
          throw new AppError('invalid_timestamps', `the video lasts ${duration.toFixed(2)}s; a character needs at least 1 s`, { param: 'timestamps' });
        }
        timestamps = [0, Math.max(1, Math.min(3, Math.floor(duration * 1000) / 1000))];
      }
      return this.create(p, { timestamps, display_name: name, upload: { path: input.path, filename: input.filename } });
    },

    async get(p: Principal, idOrUsername: string): Promise<CharacterView> {
      return view(await findVisible(p, idOrUsername));
    },

    async list(p: Principal, opts: { limit: number; after?: string }) {
      if (opts.after) {
        const cursor = await store.characters.get(opts.after);
        if (!cursor || cursor.keyId !== p.keyId) {
          throw new AppError('invalid_parameter', '`after` must be the id of one of your characters', { param: 'after' });
        }
      }
      const page = await store.characters.listByKey(p.keyId, opts);
      const data = page.items.map(view);
      return {
        object: 'list' as const,
        data,
        first_id: data[0]?.id ?? null,
        last_id: data.at(-1)?.id ?? null,
        has_more: page.hasMore,
      };
    },

    async update(p: Principal, id: string, patch: { display_name?: string; visibility?: Visibility }): Promise<CharacterView> {
      const c = await findOwned(p, id);
      const updated = await store.characters.update(c.id, {
        ...(patch.display_name !== undefined ? { displayName: patch.display_name.trim() } : {}),
        ...(patch.visibility !== undefined ? { visibility: patch.visibility } : {}),
        updatedAt: now(),
      });
      if (!updated) throw new AppError('character_not_found', `no character ${id}`);
      events.changed(updated);
      return view(updated);
    },

    async remove(p: Principal, id: string) {
      const c = await findOwned(p, id);
      await removeCharacter(c);
      return { id: c.id, object: 'character.deleted' as const, deleted: true as const };
    },
  };
}

export type CharacterService = ReturnType<typeof createCharacterService>;

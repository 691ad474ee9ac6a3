import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { videoKeys } from '../blob-keys.js';
import type { BlobStore } from '../blobs/ports.js';
import { unixNow } from '../clock.js';
import type { EngineRegistry } from '../engines/ports.js';
import { AppError } from '../errors.js';
import { assertQueueHasRoom, type JobQueue } from '../jobs/ports.js';
import type { Principal } from '../principal.js';
import { type CharacterRecord, findCharacterByIdOrUsername, type Store, type VideoTaskRecord } from '../records/ports.js';
import { findMentions } from './mentions.js';
import type { InputReference, ReferenceImagePreparer } from './ports.js';
import {
  DEFAULT_MODEL,
  DEFAULT_SECONDS,
  DEFAULT_SIZE,
  MAX_CHARACTERS_PER_VIDEO,
  type VideoSeconds,
  type VideoSize,
  type VideoVariant,
} from './video-options.js';
import { toVideoView, type VideoView } from './view.js';

/** A request whose fields the API schema checked (src/api/schemas/videos.ts). */
export interface CreateVideoInput {
  prompt: string;
  model?: string;
  seconds?: VideoSeconds;
  size?: VideoSize;
  /** Ids, usernames or `{id}` objects. */
  characters?: (string | { id: string })[];
}

export interface VideoServiceDeps {
  store: Pick<Store, 'tasks' | 'characters'>;
  blobs: BlobStore;
  queue: JobQueue;
  engines: EngineRegistry;
  prepareReferenceImage: ReferenceImagePreparer;
  /** Scratch space for input references on their way to the blob store. */
  workDir: string;
  maxQueuedJobs: number;
  now?: () => number;
}

/** A request that passed every check: nothing is stored yet. */
export interface PreparedVideo {
  id: string;
  fields: { prompt: string; model: string; engine: string; seconds: string; size: string };
  characterIds: string[];
}

const VARIANTS: Record<VideoVariant, { key: (t: VideoTaskRecord) => string | null; type: string }> = {
  video: { key: (t) => t.videoKey, type: 'video/mp4' },
  thumbnail: { key: (t) => t.thumbnailKey, type: 'image/webp' },
  spritesheet: { key: (t) => t.spritesheetKey, type: 'image/jpeg' },
};

const bad = (param: string, message: string) => new AppError('invalid_parameter', message, { param });

export const newVideoId = () => `video_${randomUUID()}`;

export function createVideoService(deps: VideoServiceDeps) {
  const { store, blobs, queue, engines } = deps;
  const now = deps.now ?? unixNow;

  async function view(t: VideoTaskRecord): Promise<VideoView> {
    const names = new Map<string, string>();
    for (const id of t.characterIds) {
      const c = await store.characters.get(id);
      if (c) names.set(id, c.username);
    }
    return toVideoView(t, names);
  }

  async function findOwned(p: Principal, id: string): Promise<VideoTaskRecord> {
    const t = await store.tasks.get(id);
    if (!t || t.keyId !== p.keyId) throw new AppError('task_not_found', `no video ${id}`);
    return t;
  }

  /** A character the key may put in a video: its own or a public one, and made. */
  async function usableCharacter(p: Principal, c: CharacterRecord | null, asked: string, param: 'prompt' | 'characters'): Promise<CharacterRecord> {
    if (!c || (c.keyId !== p.keyId && c.visibility !== 'public')) {
      throw new AppError('cameo_permission_denied', `you may not use the character ${asked}`, { param });
    }
    if (c.status !== 'ready') {
      throw new AppError('cameo_permission_denied', `the character ${asked} is not ready (${c.status})`, { param });
    }
    return c;
  }

  async function resolveCharacters(p: Principal, prompt: string, listed: CreateVideoInput['characters']): Promise<string[]> {
    const ids: string[] = [];
    // Usernames are unique, so more distinct mentions than the limit are refused before any lookup:
    // a long prompt full of mentions costs no query per mention.
    const mentions = findMentions(prompt);
    if (mentions.length > MAX_CHARACTERS_PER_VIDEO) {
      throw bad('characters', `a video may show at most ${MAX_CHARACTERS_PER_VIDEO} characters (the prompt mentions ${mentions.length})`);
    }
    // The same reference twice is looked up once.
    const refs = new Set((listed ?? []).map((item) => (typeof item === 'string' ? item : item.id)));
    for (const ref of refs) {
      const c = await usableCharacter(p, await findCharacterByIdOrUsername(store.characters, ref), ref, 'characters');
      if (!ids.includes(c.id)) ids.push(c.id);
    }
    for (const username of mentions) {
      const c = await usableCharacter(p, await store.characters.getByUsername(username), `@${username}`, 'prompt');
      if (!ids.includes(c.id)) ids.push(c.id);
    }
    if (ids.length > MAX_CHARACTERS_PER_VIDEO) {
      throw bad('characters', `a video may show at most ${MAX_CHARACTERS_PER_VIDEO} characters (got ${ids.length})`);
    }
    return ids;
  }

  /** The task's fields with their defaults, and the engine of its model (an unknown model is refused). */
  function taskFields(input: { prompt: string; model?: string; seconds?: string; size?: string }) {
    const model = input.model ?? DEFAULT_MODEL;
    const engine = engines.engineFor(model);
    return { prompt: input.prompt, model, engine: engine.name, seconds: input.seconds ?? DEFAULT_SECONDS, size: input.size ?? DEFAULT_SIZE };
  }

  async function enqueueTask(p: Principal, fields: ReturnType<typeof taskFields>, characterIds: string[], extra: Partial<VideoTaskRecord>, id = newVideoId()) {
    await assertQueueHasRoom(queue, deps.maxQueuedJobs);
    const task: VideoTaskRecord = {
      id,
      keyId: p.keyId,
      ...fields,
      status: 'queued',
      progress: 0,
      remixedFromVideoId: null,
      characterIds,
      inputReferenceKey: null,
      videoKey: null,
      thumbnailKey: null,
      spritesheetKey: null,
      durationSec: null,
      errorCode: null,
      errorMessage: null,
      createdAt: now(),
      completedAt: null,
      expiresAt: null,
      ...extra,
    };
    await store.tasks.insert(task);
    await queue.enqueue('video.render', { taskId: id }, { id: `job_${id}` });
    return view(task);
  }

  return {
    view,
    /** Validates everything before anything is stored or queued. */
    async prepare(p: Principal, input: CreateVideoInput): Promise<PreparedVideo> {
      const fields = taskFields(input);
      const characterIds = await resolveCharacters(p, fields.prompt, input.characters);
      return { fields, characterIds, id: newVideoId() };
    },

    /** Stores the prepared video's input reference (if any) and queues its render. */
    async create(p: Principal, prepared: PreparedVideo, inputReference: InputReference | null): Promise<VideoView> {
      let inputReferenceKey: string | null = null;
      // Refused before the reference is stored, so a full queue leaves nothing behind.
      await assertQueueHasRoom(queue, deps.maxQueuedJobs);
      if (inputReference) {
        await mkdir(deps.workDir, { recursive: true });
        const paths = { scratch: join(deps.workDir, `${prepared.id}.ref`), png: join(deps.workDir, `${prepared.id}.ref.png`) };
        try {
          await deps.prepareReferenceImage(inputReference, paths);
          inputReferenceKey = videoKeys(prepared.id).inputReference;
          await blobs.putFile(inputReferenceKey, paths.png, 'image/png');
        } finally {
          await rm(paths.png, { force: true });
        }
      }
      return enqueueTask(p, prepared.fields, prepared.characterIds, { inputReferenceKey }, prepared.id);
    },

    /** The models a task may ask for, each with the engine that renders it. */
    models(): { id: string; engine: string }[] {
      return engines.models().map((id) => ({ id, engine: engines.engineFor(id).name }));
    },

    async get(p: Principal, id: string): Promise<VideoView> {
      return view(await findOwned(p, id));
    },

    async list(p: Principal, opts: { limit: number; order: 'asc' | 'desc'; after?: string }) {
      if (opts.after)
        await findOwned(p, opts.after).catch(() => {
          throw bad('after', '`after` must be the id of one of your videos');
        });
      const page = opts.limit === 0 ? { items: [], hasMore: false } : await store.tasks.listByKey(p.keyId, opts);
      const data = await Promise.all(page.items.map(view));
      return { object: 'list' as const, data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: page.hasMore };
    },

    async remove(p: Principal, id: string) {
      const t = await findOwned(p, id);
      await store.tasks.delete(t.id);
      await blobs.deletePrefix(videoKeys(t.id).prefix);
      return { id: t.id, object: 'video.deleted' as const, deleted: true as const };
    },

    async content(p: Principal, id: string, variant: VideoVariant): Promise<{ key: string; type: string }> {
      const t = await findOwned(p, id);
      if (t.status !== 'completed') throw new AppError('task_not_completed', `video ${id} is ${t.status}, not completed`);
      const key = VARIANTS[variant].key(t);
      if (!key) throw new AppError('not_found', `video ${id} has no ${variant}`);
      return { key, type: VARIANTS[variant].type };
    },

    async remix(p: Principal, id: string, prompt: string): Promise<VideoView> {
      const source = await findOwned(p, id);
      if (source.status !== 'completed') throw new AppError('task_not_completed', `video ${id} is ${source.status}, not completed`);
      const fields = taskFields({ prompt, model: source.model, seconds: source.seconds, size: source.size });
      const mentioned = await resolveCharacters(p, fields.prompt, undefined);
      for (const cid of source.characterIds) await usableCharacter(p, await store.characters.get(cid), cid, 'prompt');
      const characterIds = [...new Set([...mentioned, ...source.characterIds])];
      if (characterIds.length > MAX_CHARACTERS_PER_VIDEO) {
        throw bad('prompt', `a video may show at most ${MAX_CHARACTERS_PER_VIDEO} characters (got ${characterIds.length})`);
      }
      return enqueueTask(p, fields, characterIds, { remixedFromVideoId: source.id });
    },
  };
}

export type VideoService = ReturnType<typeof createVideoService>;

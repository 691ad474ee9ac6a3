import { type Kysely, type Selectable, sql, type Updateable } from 'kysely';
import { AppError } from '../../errors.js';
import type { VideoTaskRecord, VideoTaskRepo } from '../ports.js';
import type { DB, Dialect, VideoTasksTable } from './database.js';
import { fromJson, toJson } from './json-column.js';

type Row = Selectable<VideoTasksTable>;
type Patch = Parameters<VideoTaskRepo['update']>[1];

const numOrNull = (v: number | null): number | null => (v === null ? null : Number(v));

export const taskToRow = (t: VideoTaskRecord): Row => ({
  id: t.id,
  key_id: t.keyId,
  model: t.model,
  engine: t.engine,
  status: t.status,
  progress: t.progress,
  prompt: t.prompt,
  size: t.size,
  seconds: t.seconds,
  remixed_from_video_id: t.remixedFromVideoId,
  character_ids: toJson(t.characterIds),
  input_reference_key: t.inputReferenceKey,
  video_key: t.videoKey,
  thumbnail_key: t.thumbnailKey,
  spritesheet_key: t.spritesheetKey,
  duration_sec: t.durationSec,
  error_code: t.errorCode,
  error_message: t.errorMessage,
  created_at: t.createdAt,
  completed_at: t.completedAt,
  expires_at: t.expiresAt,
  upstream_id: t.upstreamId ?? null,
  upstream_model: t.upstreamModel ?? null,
  upstream_submitted_at: t.upstreamSubmittedAt ?? null,
});

export const rowToTask = (r: Row): VideoTaskRecord => ({
  id: r.id,
  keyId: r.key_id,
  model: r.model,
  engine: r.engine,
  status: r.status as VideoTaskRecord['status'],
  progress: Number(r.progress),
  prompt: r.prompt,
  size: r.size,
  seconds: r.seconds,
  remixedFromVideoId: r.remixed_from_video_id,
  characterIds: fromJson<string[]>(r.character_ids) ?? [],
  inputReferenceKey: r.input_reference_key,
  videoKey: r.video_key,
  thumbnailKey: r.thumbnail_key,
  spritesheetKey: r.spritesheet_key,
  durationSec: numOrNull(r.duration_sec),
  errorCode: r.error_code,
  errorMessage: r.error_message,
  createdAt: Number(r.created_at),
  completedAt: numOrNull(r.completed_at),
  expiresAt: numOrNull(r.expires_at),
  upstreamId: r.upstream_id,
  upstreamModel: r.upstream_model,
  upstreamSubmittedAt: numOrNull(r.upstream_submitted_at),
});

function patchToRow(p: Patch): Updateable<VideoTasksTable> {
  const row: Updateable<VideoTasksTable> = {};
  if (p.model !== undefined) row.model = p.model;
  if (p.engine !== undefined) row.engine = p.engine;
  if (p.status !== undefined) row.status = p.status;
  if (p.progress !== undefined) row.progress = p.progress;
  if (p.prompt !== undefined) row.prompt = p.prompt;
  if (p.size !== undefined) row.size = p.size;
  if (p.seconds !== undefined) row.seconds = p.seconds;
  if (p.remixedFromVideoId !== undefined) row.remixed_from_video_id = p.remixedFromVideoId;
  if (p.characterIds !== undefined) row.character_ids = toJson(p.characterIds);
  if (p.inputReferenceKey !== undefined) row.input_reference_key = p.inputReferenceKey;
  if (p.videoKey !== undefined) row.video_key = p.videoKey;
  if (p.thumbnailKey !== undefined) row.thumbnail_key = p.thumbnailKey;
  if (p.spritesheetKey !== undefined) row.spritesheet_key = p.spritesheetKey;
  if (p.durationSec !== undefined) row.duration_sec = p.durationSec;
  if (p.errorCode !== undefined) row.error_code = p.errorCode;
  if (p.errorMessage !== undefined) row.error_message = p.errorMessage;
  if (p.createdAt !== undefined) row.created_at = p.createdAt;
  if (p.completedAt !== undefined) row.completed_at = p.completedAt;
  if (p.expiresAt !== undefined) row.expires_at = p.expiresAt;
  if (p.upstreamId !== undefined) row.upstream_id = p.upstreamId;
  if (p.upstreamModel !== undefined) row.upstream_model = p.upstreamModel;
  if (p.upstreamSubmittedAt !== undefined) row.upstream_submitted_at = p.upstreamSubmittedAt;
  return row;
}

export function createVideoTasksRepo(db: Kysely<DB>, dialect: Dialect = 'sqlite'): VideoTaskRepo {
  const get = async (id: string): Promise<VideoTaskRecord | null> => {
    const row = await db.selectFrom('video_tasks').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? rowToTask(row) : null;
  };

  return {
    async insert(t) {
      await db.insertInto('video_tasks').values(taskToRow(t)).execute();
    },

    get,

    async listByKey(keyId, { limit, order, after }) {
      let q = db.selectFrom('video_tasks').selectAll().where('key_id', '=', keyId);
      if (after !== undefined) {
        const cursor = await db.selectFrom('video_tasks').select(['created_at', 'id']).where('id', '=', after).where('key_id', '=', keyId).executeTakeFirst();
        if (!cursor) throw new AppError('invalid_parameter', `after: no video '${after}' in this list.`, { param: 'after' });
        const op = order === 'asc' ? '>' : '<';
        q = q.where((eb) => eb.or([eb('created_at', op, cursor.created_at), eb.and([eb('created_at', '=', cursor.created_at), eb('id', op, cursor.id)])]));
      }
      const rows = await q
        .orderBy('created_at', order)
        .orderBy('id', order)
        .limit(limit + 1)
        .execute();
      return { items: rows.slice(0, limit).map(rowToTask), hasMore: rows.length > limit };
    },

    async update(id, patch) {
      const set = patchToRow(patch);
      if (Object.keys(set).length === 0) return get(id);
      const row = await db.updateTable('video_tasks').set(set).where('id', '=', id).returningAll().executeTakeFirst();
      return row ? rowToTask(row) : null;
    },

    async delete(id) {
      const res = await db.deleteFrom('video_tasks').where('id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },

    // One conditional UPDATE whose subquery counts the slots in use. SQLite runs writers one at a
    // time, so that is atomic there; PostgreSQL's READ COMMITTED would let two claimers count the
    // same slots, so there the claim runs under a transaction-scoped advisory lock per engine.
    async claimUpstreamSlot(id, { engine, limit, upstreamModel, at }) {
      return db.transaction().execute(async (trx) => {
        if (dialect === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${`sora-upstream-slots:${engine}`}))`.execute(trx);
        const res = await trx
          .updateTable('video_tasks')
          .set({ upstream_submitted_at: at, upstream_model: upstreamModel })
          .where('id', '=', id)
          .where('status', '=', 'in_progress')
          .where('upstream_submitted_at', 'is', null)
          .where(
            (eb) =>
              eb
                .selectFrom('video_tasks as busy')
                .select((b) => b.fn.countAll().as('n'))
                .where('busy.engine', '=', engine)
                .where('busy.status', '=', 'in_progress')
                .where('busy.upstream_submitted_at', 'is not', null),
            '<',
            limit,
          )
          .executeTakeFirst();
        return Number(res.numUpdatedRows) > 0;
      });
    },
  };
}

import type { CompiledQuery, Kysely, Selectable, Updateable } from 'kysely';
import { unixNow } from '../../clock.js';
import { AppError } from '../../errors.js';
import type { CharacterPage, CharacterRecord, CharacterRepo, CharacterSubject } from '../ports.js';
import type { CharactersTable, DB, Dialect } from './database.js';
import { fromJson, toJson } from './json-column.js';
import { isUniqueViolation } from './sql-errors.js';

const USERNAME_UNIQUE = { constraint: 'characters_username_lower_uq', column: 'characters.username_lower' };

type Row = Selectable<CharactersTable>;
type Patch = Parameters<CharacterRepo['update']>[1];

export function characterToRow(c: CharacterRecord): Row {
  return {
    id: c.id,
    key_id: c.keyId,
    owner: c.owner,
    handle: c.handle,
    username: c.username,
    username_lower: c.username.toLowerCase(),
    display_name: c.displayName,
    visibility: c.visibility,
    status: c.status,
    error_code: c.errorCode,
    error_message: c.errorMessage,
    source_kind: c.source.kind,
    source_ref: c.source.ref,
    start_sec: c.startSec,
    end_sec: c.endSec,
    model: c.model,
    portrait_key: c.portraitKey,
    clip_key: c.clipKey,
    reference_keys: toJson(c.referenceKeys),
    voice_key: c.voiceKey,
    subject: c.subject === null ? null : toJson(c.subject),
    media: c.media === null ? null : toJson(c.media),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

export function rowToCharacter(r: Row): CharacterRecord {
  return {
    id: r.id,
    keyId: r.key_id,
    owner: r.owner,
    handle: r.handle,
    username: r.username,
    displayName: r.display_name,
    visibility: r.visibility as CharacterRecord['visibility'],
    status: r.status as CharacterRecord['status'],
    errorCode: r.error_code,
    errorMessage: r.error_message,
    source: { kind: r.source_kind as CharacterRecord['source']['kind'], ref: r.source_ref },
    startSec: Number(r.start_sec),
    endSec: Number(r.end_sec),
    model: r.model,
    portraitKey: r.portrait_key,
    clipKey: r.clip_key,
    referenceKeys: fromJson<string[]>(r.reference_keys) ?? [],
    voiceKey: r.voice_key,
    subject: fromJson<CharacterSubject>(r.subject),
    media: fromJson<Record<string, unknown>>(r.media),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

function patchToRow(p: Patch): Updateable<CharactersTable> {
  const row: Updateable<CharactersTable> = {};
  if (p.handle !== undefined) row.handle = p.handle;
  if (p.username !== undefined) {
    row.username = p.username;
    row.username_lower = p.username.toLowerCase();
  }
  if (p.displayName !== undefined) row.display_name = p.displayName;
  if (p.visibility !== undefined) row.visibility = p.visibility;
  if (p.status !== undefined) row.status = p.status;
  if (p.errorCode !== undefined) row.error_code = p.errorCode;
  if (p.errorMessage !== undefined) row.error_message = p.errorMessage;
  if (p.source !== undefined) {
    row.source_kind = p.source.kind;
    row.source_ref = p.source.ref;
  }
  if (p.startSec !== undefined) row.start_sec = p.startSec;
  if (p.endSec !== undefined) row.end_sec = p.endSec;
  if (p.model !== undefined) row.model = p.model;
  if (p.portraitKey !== undefined) row.portrait_key = p.portraitKey;
  if (p.clipKey !== undefined) row.clip_key = p.clipKey;
  if (p.referenceKeys !== undefined) row.reference_keys = toJson(p.referenceKeys);
  if (p.voiceKey !== undefined) row.voice_key = p.voiceKey;
  if (p.subject !== undefined) row.subject = p.subject === null ? null : toJson(p.subject);
  if (p.media !== undefined) row.media = p.media === null ? null : toJson(p.media);
  if (p.createdAt !== undefined) row.created_at = p.createdAt;
  row.updated_at = p.updatedAt ?? unixNow();
  return row;
}

/** How an empty reference set is stored (the migration's default). */
const EMPTY_KEYS = '[]';

const usernameTaken = (username: string, cause: unknown) =>
  new AppError('username_taken', `The username '${username}' is already taken.`, { param: 'username', cause });

/** A compiled query run again with other parameters: the SQL text is the same for every lookup. */
const withParameters = (q: CompiledQuery, parameters: unknown[]): CompiledQuery => ({ ...q, parameters });

export function createCharactersRepo(db: Kysely<DB>, dialect: Dialect): CharacterRepo {
  const byId = db.selectFrom('characters').selectAll().where('id', '=', '').compile();
  const byUsername = db.selectFrom('characters').selectAll().where('username_lower', '=', '').compile();
  return {
    async insert(c) {
      try {
        await db.insertInto('characters').values(characterToRow(c)).execute();
      } catch (err) {
        if (isUniqueViolation(err, dialect, USERNAME_UNIQUE)) throw usernameTaken(c.username, err);
        throw err;
      }
    },

    // The read paths' lookups: compiled once, run with new parameters (no builder work per request).
    async get(id) {
      const { rows } = await db.executeQuery<Row>(withParameters(byId, [id]));
      return rows[0] ? rowToCharacter(rows[0]) : null;
    },

    async getByUsername(username) {
      const { rows } = await db.executeQuery<Row>(withParameters(byUsername, [username.toLowerCase()]));
      return rows[0] ? rowToCharacter(rows[0]) : null;
    },

    async handleExists(handle) {
      const row = await db.selectFrom('characters').select('id').where('handle', '=', handle.toLowerCase()).executeTakeFirst();
      return row !== undefined;
    },

    async usernameExists(username) {
      const row = await db.selectFrom('characters').select('id').where('username_lower', '=', username.toLowerCase()).executeTakeFirst();
      return row !== undefined;
    },

    async listByKey(keyId, { limit, after }): Promise<CharacterPage> {
      let q = db.selectFrom('characters').selectAll().where('key_id', '=', keyId);
      if (after !== undefined) {
        const cursor = await db.selectFrom('characters').select(['created_at', 'id']).where('id', '=', after).where('key_id', '=', keyId).executeTakeFirst();
        if (!cursor) throw new AppError('invalid_parameter', `after: no character '${after}' in this list.`, { param: 'after' });
        q = q.where((eb) => eb.or([eb('created_at', '<', cursor.created_at), eb.and([eb('created_at', '=', cursor.created_at), eb('id', '<', cursor.id)])]));
      }
      const rows = await q
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit + 1)
        .execute();
      return { items: rows.slice(0, limit).map(rowToCharacter), hasMore: rows.length > limit };
    },

    async listReadyWithoutReferences({ limit, after }) {
      let q = db.selectFrom('characters').select('id').where('status', '=', 'ready').where('reference_keys', '=', EMPTY_KEYS);
      if (after !== undefined) q = q.where('id', '>', after);
      const rows = await q.orderBy('id', 'asc').limit(limit).execute();
      return rows.map((r) => r.id);
    },

    async update(id, patch) {
      try {
        const row = await db.updateTable('characters').set(patchToRow(patch)).where('id', '=', id).returningAll().executeTakeFirst();
        return row ? rowToCharacter(row) : null;
      } catch (err) {
        if (patch.username !== undefined && isUniqueViolation(err, dialect, USERNAME_UNIQUE)) {
          throw usernameTaken(patch.username, err);
        }
        throw err;
      }
    },

    async delete(id) {
      const res = await db.deleteFrom('characters').where('id', '=', id).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
  };
}

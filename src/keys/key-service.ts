import { createHash, randomBytes } from 'node:crypto';
import { unixNow } from '../clock.js';
import { AppError } from '../errors.js';
import type { Principal } from '../principal.js';
import type { ApiKeyRecord, ApiKeyRepo, KeyUsage, SessionRepo, UsageRepo } from '../records/ports.js';
import { ownerHandleFor } from './owner-handle.js';

export const hashKey = (secret: string): string => createHash('sha256').update(secret).digest('hex');

const newSecret = () => `sk-sc-${randomBytes(24).toString('base64url')}`;

export interface KeyService {
  /** Creates a stored key; the secret is returned once and only its hash is kept. */
  create(name: string): Promise<{ key: string; record: ApiKeyRecord }>;
  list(): Promise<ApiKeyRecord[]>;
  revoke(idOrName: string): Promise<boolean>;
  /** The principal of a bearer secret, or AppError invalid_api_key. */
  authenticate(secret: string | undefined): Promise<Principal>;
  /**
   * The principal of a key named by its id (the dashboard's session), read afresh every time:
   * null when the key is unknown or revoked.
   */
  principalOf(keyId: string): Promise<Principal | null>;
  /** What every key used (stored keys, revoked ones too, and static keys that made something), oldest key first. */
  usage(): Promise<KeyUsageRow[]>;
  /**
   * A dashboard session of the key, for `ttlSeconds`: its secret nonce (for the caller's signed
   * cookie; only its hash is stored) and expiry. Expired sessions are dropped on the way.
   */
  startSession(p: Principal, ttlSeconds: number): Promise<{ nonce: string; expiresAt: number }>;
  /** The principal of a live session: null when it was ended, expired, or its key is revoked. */
  sessionPrincipal(nonce: string): Promise<Principal | null>;
  /** Signing out: the session ends for every copy of its cookie. */
  endSession(nonce: string): Promise<void>;
}

export interface KeyUsageRow extends KeyUsage {
  name: string;
  owner: string | null;
  revokedAt: number | null;
}

export function createKeyService(
  repo: ApiKeyRepo,
  opts: { staticKeys: string[]; adminKeys: string[]; usage?: UsageRepo; sessions?: SessionRepo; now?: () => number },
): KeyService {
  const now = opts.now ?? unixNow;
  const admin = new Set(opts.adminKeys.map(hashKey));
  const statics = new Map<string, Principal>();
  const staticsById = new Map<string, Principal>();
  for (const secret of [...opts.staticKeys, ...opts.adminKeys]) {
    const hash = hashKey(secret);
    statics.set(hash, {
      keyId: `key_static_${hash.slice(0, 24)}`,
      owner: ownerHandleFor(hash),
      name: 'static',
      admin: admin.has(hash),
    });
    staticsById.set(statics.get(hash)!.keyId, statics.get(hash)!);
  }
  const sessionRepo = () => {
    if (!opts.sessions) throw new Error('this key service has no session store');
    return opts.sessions;
  };
  // Stored keys are looked up by hash; a short cache keeps the read paths off the database.
  const cache = new Map<string, { principal: Principal | null; until: number }>();
  const CACHE_MS = 5_000;

  return {
    async create(name) {
      const trimmed = name.trim();
      if (!/^[\w .-]{1,64}$/.test(trimmed)) {
        throw new AppError('invalid_parameter', 'a key name is 1..64 letters, digits, spaces, dots or dashes', { param: 'name' });
      }
      const key = newSecret();
      const hash = hashKey(key);
      let owner = ownerHandleFor(hash);
      // Owner handles are derived from the hash; on the rare clash derive again from a salted hash.
      for (let i = 1; (await repo.findByOwner(owner)) || [...statics.values()].some((p) => p.owner === owner); i++) {
        owner = ownerHandleFor(`${hash}:${i}`);
      }
      const record: ApiKeyRecord = {
        id: `key_${randomBytes(12).toString('hex')}`,
        name: trimmed,
        hash,
        owner,
        createdAt: now(),
        revokedAt: null,
      };
      await repo.insert(record);
      return { key, record };
    },
    list: () => repo.list(),
    async revoke(idOrName) {
      cache.clear();
      return repo.revoke(idOrName, now());
    },
    async principalOf(keyId) {
      const fixed = staticsById.get(keyId);
      if (fixed) return fixed;
      if (keyId.startsWith('key_static_')) return null;
      const rec = await repo.findById(keyId);
      return rec && rec.revokedAt === null ? { keyId: rec.id, owner: rec.owner, name: rec.name, admin: admin.has(rec.hash) } : null;
    },
    async startSession(p, ttlSeconds) {
      const repo = sessionRepo();
      const nonce = randomBytes(16).toString('base64url');
      const at = now();
      await repo.deleteExpired(at);
      await repo.insert({ id: hashKey(nonce), keyId: p.keyId, createdAt: at, expiresAt: at + ttlSeconds });
      return { nonce, expiresAt: at + ttlSeconds };
    },
    async sessionPrincipal(nonce) {
      const s = await sessionRepo().get(hashKey(nonce));
      if (!s || s.expiresAt <= now()) return null;
      return this.principalOf(s.keyId);
    },
    async endSession(nonce) {
      await sessionRepo().delete(hashKey(nonce));
    },
    async usage() {
      const counted = new Map((await (opts.usage?.byKey() ?? Promise.resolve([]))).map((u) => [u.keyId, u]));
      const none = (keyId: string): KeyUsage => ({ keyId, characters: 0, engines: [] });
      const rows: KeyUsageRow[] = [];
      for (const p of staticsById.values()) {
        const u = counted.get(p.keyId);
        if (u || p.admin) rows.push({ ...(u ?? none(p.keyId)), name: p.admin ? 'ADMIN_API_KEYS' : 'API_KEYS', owner: p.owner, revokedAt: null });
      }
      for (const k of await repo.list()) rows.push({ ...(counted.get(k.id) ?? none(k.id)), name: k.name, owner: k.owner, revokedAt: k.revokedAt });
      return rows;
    },
    async authenticate(secret) {
      if (!secret) throw new AppError('invalid_api_key', 'missing API key: send Authorization: Bearer <key>');
      const hash = hashKey(secret);
      const fixed = statics.get(hash);
      if (fixed) return fixed;
      const hit = cache.get(hash);
      let principal: Principal | null;
      if (hit && hit.until > Date.now()) {
        principal = hit.principal;
      } else {
        const rec = await repo.findByHash(hash);
        principal = rec && rec.revokedAt === null ? { keyId: rec.id, owner: rec.owner, name: rec.name, admin: admin.has(hash) } : null;
        if (cache.size > 10_000) cache.clear();
        cache.set(hash, { principal, until: Date.now() + CACHE_MS });
      }
      if (!principal) throw new AppError('invalid_api_key', 'invalid API key');
      return principal;
    },
  };
}

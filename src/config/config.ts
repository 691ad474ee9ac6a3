import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { assertValidBlobPrefix, InvalidBlobKeyError } from '../blob-keys.js';
import { engineRoutesFromSetting, HOSTED_ENGINE_CREDENTIALS, type ModelRoute } from './engine-models.js';

/** The one reader of process.env. Every setting (README "Settings", docs/api.md), typed and validated at boot. */
const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');

const positiveInt = z.coerce.number().int().positive();

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z.string().min(1).optional(),
  STORAGE_URL: z.string().min(1).optional(),
  S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  S3_REGION: z
    .string()
    .regex(/^[a-z0-9-]{1,40}$/, 'must look like us-east-1')
    .optional(),
  S3_FORCE_PATH_STYLE: bool.optional(),
  AWS_ACCESS_KEY_ID: z.string().min(1).optional(),
  AWS_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  FILE_URLS: z.enum(['service', 'presigned']).default('service'),
  QUEUE_URL: z.string().min(1).optional(),
  SIGNALS_URL: z
    .string()
    .regex(/^(rediss?|postgres(ql)?):\/\//, 'expected redis://... or postgres://...')
    .optional(),
  SIGNALS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,48}$/, 'expected 1 to 48 letters, digits or _ . : -')
    .optional(),
  API_KEYS: z.string().optional(),
  ADMIN_API_KEYS: z.string().optional(),
  ALLOW_PRIVATE_URLS: bool.default(false),
  SIGNING_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  MAX_SOURCE_BYTES: positiveInt.default(512 * 1024 * 1024),
  DOWNLOAD_TIMEOUT_MS: positiveInt.default(120_000),
  RANGE_READ_MIN_BYTES: positiveInt.default(32 * 1024 * 1024),
  MAX_BODY_BYTES: positiveInt.default(16 * 1024 * 1024),
  MAX_UPLOAD_BYTES: positiveInt.optional(),
  MAX_REFERENCE_IMAGE_BYTES: positiveInt.default(10 * 1024 * 1024),
  RATE_LIMIT_PER_MINUTE: z.union([z.literal('off'), positiveInt]).default('off'),
  PROFILE_PAGES: z.enum(['all', 'public', 'off']).default('all'),
  PROFILE_RATE_LIMIT_PER_MINUTE: z.union([z.literal('off'), positiveInt]).default(60),
  SIGNED_URL_TTL_SECONDS: positiveInt.default(7 * 24 * 3600),
  WORKER_CONCURRENCY: positiveInt.default(2),
  RENDER_CONCURRENCY: positiveInt.default(2),
  WEBHOOK_CONCURRENCY: positiveInt.default(4),
  WORKER_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, _ . or -')
    .default('sora-characters'),
  // BullMQ's job lock: a worker killed mid-job is noticed within about 1.5 times this.
  JOB_LOCK_MS: z.coerce.number().int().min(1000).max(600_000).default(10_000),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(3_600_000).default(20_000),
  MAX_QUEUED_JOBS: positiveInt.default(1000),
  SYNC_WAIT_MS: positiveInt.default(120_000),
  JOB_MAX_ATTEMPTS: positiveInt.default(3),
  WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/=]+$/, 'must be whsec_ + base64')
    .optional(),
  ENGINE_MODELS: z.string().optional(),
  FAL_KEY: z.string().min(1).optional(),
  FAL_QUEUE_URL: z.url({ protocol: /^https?$/ }).default('https://queue.fal.run'),
  ARK_API_KEY: z.string().min(1).optional(),
  ARK_BASE_URL: z.url({ protocol: /^https?$/ }).default('https://ark.ap-southeast.bytepluses.com/api/v3'),
  // Seedance 1.0 lite takes 1-4 reference images, Seedance 2.0 up to 9.
  ARK_MAX_REFERENCE_IMAGES: z.coerce.number().int().min(1).max(9).default(4),
  // `all`: Seedance 2.0's video and audio references too (the clip and the voice, as signed links).
  ARK_REFERENCE_MEDIA: z.enum(['images', 'all']).default('images'),
  // Upstream jobs one hosted engine runs at once, over every process sharing the database.
  ENGINE_CONCURRENCY: positiveInt.default(4),
  // A hosted render that has not finished this long after its submit is cancelled upstream and fails.
  ENGINE_TASK_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(30 * 60_000),
  ENGINE_POLL_INTERVAL_MS: z.coerce.number().int().min(10).default(5000),
  PUBLIC_URL_REACHABLE: bool.default(false),
  VIDEO_POLL_AFTER_MS: positiveInt.default(1000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  FFMPEG_PATH: z.string().min(1).default('ffmpeg'),
  FFPROBE_PATH: z.string().min(1).default('ffprobe'),
  // Each ffmpeg/ffprobe run of the media pipeline; the local engine's renders keep their own time limit.
  FFMPEG_TIMEOUT_MS: z.coerce.number().int().min(1000).default(60_000),
  // A 1080p window needs about 500 MiB of data segment, an 8K one about 700: below 256 nothing works.
  FFMPEG_MAX_MEMORY_MB: z.coerce.number().int().min(256).default(1024),
  // Node's requestTimeout: the time to receive the whole request (headers and body), not to answer it.
  REQUEST_TIMEOUT_MS: positiveInt.default(300_000),
  HEADERS_TIMEOUT_MS: positiveInt.default(10_000),
  KEEP_ALIVE_TIMEOUT_MS: positiveInt.default(72_000),
  MAX_REQUESTS_PER_SOCKET: positiveInt.default(1000),
  MAX_CONNECTIONS: positiveInt.default(1000),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  METRICS_ALLOW: z.string().optional(),
});

export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  dataDir: string;
  databaseUrl: string;
  storageUrl: string;
  /** The S3-compatible store of an `s3://` STORAGE_URL; null for a folder. */
  s3: S3Settings | null;
  /** What `profile_picture_url` and `clip_url` point at: this service's /files (default) or presigned S3 GETs. */
  fileUrls: 'service' | 'presigned';
  queueUrl: string | null;
  /**
   * Where processes tell each other what changed (src/signals/): a redis:// or postgres:// URL;
   * null: within this process only (the embedded default). SIGNALS_URL, else a redis QUEUE_URL,
   * else a postgres DATABASE_URL.
   */
  signalsUrl: string | null;
  /** Channel prefix on that server, so deployments sharing it do not hear each other (default: QUEUE_PREFIX + "."). */
  signalsPrefix: string;
  apiKeys: string[];
  adminApiKeys: string[];
  allowPrivateUrls: boolean;
  signingSecret: string | null;
  maxSourceBytes: number;
  downloadTimeoutMs: number;
  rangeReadMinBytes: number;
  maxBodyBytes: number;
  maxUploadBytes: number;
  /** Largest `input_reference` image: an upload, a data: URL or an http(s) download. */
  maxReferenceImageBytes: number;
  rateLimitPerMinute: number | null;
  profilePages: 'all' | 'public' | 'off';
  /** Profile pages per client address per minute (see src/api/client-address.ts); null: no limit. */
  profileRateLimitPerMinute: number | null;
  signedUrlTtlSeconds: number;
  /** Characters made at once by one worker (WORKER_CONCURRENCY). */
  workerConcurrency: number;
  /** Video renders (local, or a hosted engine's submit and polls) at once by one worker. */
  renderConcurrency: number;
  /** Webhook deliveries at once by one worker. */
  webhookConcurrency: number;
  /** The `worker` process's /healthz, /readyz and /metrics listener (0: any free port). */
  workerPort: number;
  /** BullMQ key prefix: processes that share it share the jobs. */
  queuePrefix: string;
  jobLockMs: number;
  /** After SIGTERM: how long running jobs may take to finish before they are handed back. */
  shutdownGraceMs: number;
  maxQueuedJobs: number;
  syncWaitMs: number;
  jobMaxAttempts: number;
  webhookUrl: string | null;
  webhookSecret: string | null;
  /** ENGINE_MODELS applied over the default routes: every model the service accepts, with its engine. */
  engineRoutes: Record<string, ModelRoute>;
  falKey: string | null;
  falQueueUrl: string;
  arkApiKey: string | null;
  arkBaseUrl: string;
  /** Reference images one ark task sends at most. */
  arkMaxReferenceImages: number;
  /** `images`, or `all` to send clips and voices too (Seedance 2.0). */
  arkReferenceMedia: 'images' | 'all';
  engineConcurrency: number;
  engineTaskTimeoutMs: number;
  enginePollIntervalMs: number;
  /** PUBLIC_URL is reachable from the upstreams: send signed URLs (and clips) instead of inline data. */
  publicUrlReachable: boolean;
  videoPollAfterMs: number;
  logLevel: string;
  ffmpegPath: string;
  ffprobePath: string;
  ffmpegTimeoutMs: number;
  ffmpegMaxMemoryMb: number;
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxRequestsPerSocket: number;
  maxConnections: number;
  metricsToken: string | null;
  /** Addresses and CIDRs that may read /metrics; empty: any. */
  metricsAllow: string[];
}

export interface S3Settings {
  bucket: string;
  /** '' or a folder ending in '/': every key is stored under it. */
  prefix: string;
  /** null: AWS itself (https://s3.<region>.amazonaws.com). */
  endpoint: string | null;
  region: string;
  forcePathStyle: boolean;
  accessKeyId: string;
  secretAccessKey: string;
}

export class ConfigError extends Error {}

/** S3 presigned URLs live at most 7 days (SigV4's X-Amz-Expires limit). */
export const MAX_PRESIGNED_TTL_SECONDS = 7 * 24 * 3600;

const list = (v: string | undefined): string[] =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Reads the settings once. A wrong setting throws a ConfigError whose message is one line naming it. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const raw = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue.path[0] ?? 'setting');
    throw new ConfigError(`invalid setting ${name}=${JSON.stringify(raw[name] ?? '')}: ${issue.message}`);
  }
  const e = parsed.data;
  const dataDir = e.DATA_DIR;
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  const databaseUrl = e.DATABASE_URL ?? `sqlite:${dataDir}/sora-characters.db`;
  if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(databaseUrl)) {
    throw new ConfigError(`invalid setting DATABASE_URL: expected sqlite:<path> or postgres://...`);
  }
  const storageUrl = e.STORAGE_URL ?? `file:${dataDir}/media`;
  if (!/^(file:|s3:\/\/)/.test(storageUrl)) {
    throw new ConfigError(`invalid setting STORAGE_URL: expected file:<path> or s3://bucket/prefix`);
  }
  if (e.QUEUE_URL && !/^rediss?:\/\//.test(e.QUEUE_URL)) {
    throw new ConfigError(`invalid setting QUEUE_URL: expected redis://...`);
  }
  const s3 = storageUrl.startsWith('s3://') ? s3Settings(storageUrl, e) : null;
  if (!s3) {
    const stray = (['S3_ENDPOINT', 'S3_REGION', 'S3_FORCE_PATH_STYLE'] as const).find((name) => e[name] !== undefined);
    if (stray) throw new ConfigError(`invalid setting ${stray}: only used with STORAGE_URL=s3://bucket/prefix`);
  }
  if (e.FILE_URLS === 'presigned') {
    if (!s3) throw new ConfigError('invalid setting FILE_URLS=presigned: needs STORAGE_URL=s3://bucket/prefix');
    if (e.SIGNED_URL_TTL_SECONDS > MAX_PRESIGNED_TTL_SECONDS) {
      throw new ConfigError(
        `invalid setting SIGNED_URL_TTL_SECONDS=${e.SIGNED_URL_TTL_SECONDS}: presigned S3 URLs (FILE_URLS=presigned) live at most ${MAX_PRESIGNED_TTL_SECONDS} s`,
      );
    }
  }
  if (e.WEBHOOK_URL && !e.WEBHOOK_SECRET) {
    throw new ConfigError('invalid setting WEBHOOK_SECRET: required when WEBHOOK_URL is set (events are always signed)');
  }
  if (e.HEADERS_TIMEOUT_MS > e.REQUEST_TIMEOUT_MS) {
    throw new ConfigError(`invalid setting HEADERS_TIMEOUT_MS=${e.HEADERS_TIMEOUT_MS}: must not exceed REQUEST_TIMEOUT_MS (${e.REQUEST_TIMEOUT_MS})`);
  }
  let engineRoutes: Record<string, ModelRoute>;
  try {
    engineRoutes = engineRoutesFromSetting(e.ENGINE_MODELS);
  } catch (err) {
    throw new ConfigError(`invalid setting ${(err as Error).message}`);
  }
  const settings: Record<string, unknown> = e;
  for (const [model, route] of Object.entries(engineRoutes)) {
    const needed = HOSTED_ENGINE_CREDENTIALS[route.engine];
    if (needed && !settings[needed]) throw new ConfigError(`missing setting ${needed}: ENGINE_MODELS routes ${model} to the ${route.engine} engine`);
  }
  // One name per deployment: the signal channel follows QUEUE_PREFIX unless told otherwise.
  const signalsPrefix = e.SIGNALS_PREFIX ?? `${e.QUEUE_PREFIX}.`;
  if (signalsPrefix.length > 48) {
    throw new ConfigError(
      `invalid setting SIGNALS_PREFIX: the one derived from QUEUE_PREFIX (${signalsPrefix}) is longer than 48 characters; set a shorter one`,
    );
  }
  const metricsAllow = list(e.METRICS_ALLOW);
  const badRange = metricsAllow.find((r) => !isAddressOrCidr(r));
  if (badRange !== undefined) {
    throw new ConfigError(`invalid setting METRICS_ALLOW: ${JSON.stringify(badRange)} is not an IP address or CIDR (e.g. 127.0.0.1,10.0.0.0/8,::1)`);
  }
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl,
    dataDir,
    databaseUrl,
    storageUrl,
    s3,
    fileUrls: e.FILE_URLS,
    queueUrl: e.QUEUE_URL ?? null,
    signalsUrl: e.SIGNALS_URL ?? e.QUEUE_URL ?? (/^postgres(ql)?:\/\//.test(databaseUrl) ? databaseUrl : null),
    signalsPrefix,
    apiKeys: list(e.API_KEYS),
    adminApiKeys: list(e.ADMIN_API_KEYS),
    allowPrivateUrls: e.ALLOW_PRIVATE_URLS,
    signingSecret: e.SIGNING_SECRET ?? null,
    maxSourceBytes: e.MAX_SOURCE_BYTES,
    downloadTimeoutMs: e.DOWNLOAD_TIMEOUT_MS,
    rangeReadMinBytes: e.RANGE_READ_MIN_BYTES,
    maxBodyBytes: e.MAX_BODY_BYTES,
    maxUploadBytes: e.MAX_UPLOAD_BYTES ?? e.MAX_SOURCE_BYTES,
    maxReferenceImageBytes: e.MAX_REFERENCE_IMAGE_BYTES,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE === 'off' ? null : e.RATE_LIMIT_PER_MINUTE,
    profilePages: e.PROFILE_PAGES,
    profileRateLimitPerMinute: e.PROFILE_RATE_LIMIT_PER_MINUTE === 'off' ? null : e.PROFILE_RATE_LIMIT_PER_MINUTE,
    signedUrlTtlSeconds: e.SIGNED_URL_TTL_SECONDS,
    workerConcurrency: e.WORKER_CONCURRENCY,
    renderConcurrency: e.RENDER_CONCURRENCY,
    webhookConcurrency: e.WEBHOOK_CONCURRENCY,
    workerPort: e.WORKER_PORT,
    queuePrefix: e.QUEUE_PREFIX,
    jobLockMs: e.JOB_LOCK_MS,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    maxQueuedJobs: e.MAX_QUEUED_JOBS,
    syncWaitMs: e.SYNC_WAIT_MS,
    jobMaxAttempts: e.JOB_MAX_ATTEMPTS,
    webhookUrl: e.WEBHOOK_URL ?? null,
    webhookSecret: e.WEBHOOK_SECRET ?? null,
    engineRoutes,
    falKey: e.FAL_KEY ?? null,
    falQueueUrl: e.FAL_QUEUE_URL.replace(/\/+$/, ''),
    arkApiKey: e.ARK_API_KEY ?? null,
    arkBaseUrl: e.ARK_BASE_URL.replace(/\/+$/, ''),
    arkMaxReferenceImages: e.ARK_MAX_REFERENCE_IMAGES,
    arkReferenceMedia: e.ARK_REFERENCE_MEDIA,
    engineConcurrency: e.ENGINE_CONCURRENCY,
    engineTaskTimeoutMs: e.ENGINE_TASK_TIMEOUT_MS,
    enginePollIntervalMs: e.ENGINE_POLL_INTERVAL_MS,
    publicUrlReachable: e.PUBLIC_URL_REACHABLE,
    videoPollAfterMs: e.VIDEO_POLL_AFTER_MS,
    logLevel: e.LOG_LEVEL,
    ffmpegPath: e.FFMPEG_PATH,
    ffprobePath: e.FFPROBE_PATH,
    ffmpegTimeoutMs: e.FFMPEG_TIMEOUT_MS,
    ffmpegMaxMemoryMb: e.FFMPEG_MAX_MEMORY_MB,
    requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
    headersTimeoutMs: e.HEADERS_TIMEOUT_MS,
    keepAliveTimeoutMs: e.KEEP_ALIVE_TIMEOUT_MS,
    maxRequestsPerSocket: e.MAX_REQUESTS_PER_SOCKET,
    maxConnections: e.MAX_CONNECTIONS,
    metricsToken: e.METRICS_TOKEN ?? null,
    metricsAllow,
  };
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** `s3://bucket/prefix` and the S3_* and AWS_* settings, checked together. */
function s3Settings(storageUrl: string, e: z.infer<typeof schema>): S3Settings {
  const rest = storageUrl.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const prefix = (slash === -1 ? '' : rest.slice(slash + 1)).replace(/\/+$/, '');
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) {
    throw new ConfigError(`invalid setting STORAGE_URL: ${JSON.stringify(bucket)} is not an S3 bucket name (3-63 of a-z 0-9 . -)`);
  }
  if (prefix !== '') {
    try {
      assertValidBlobPrefix(`${prefix}/`);
    } catch (err) {
      if (!(err instanceof InvalidBlobKeyError)) throw err;
      throw new ConfigError(`invalid setting STORAGE_URL: the prefix ${JSON.stringify(prefix)} must be a clean path of [A-Za-z0-9._-] segments`);
    }
  }
  if (e.S3_ENDPOINT) {
    const u = new URL(e.S3_ENDPOINT);
    if (u.pathname !== '/' || u.search !== '' || u.hash !== '' || u.username !== '' || u.password !== '') {
      throw new ConfigError(`invalid setting S3_ENDPOINT=${JSON.stringify(e.S3_ENDPOINT)}: expected scheme, host and port only (e.g. http://127.0.0.1:9000)`);
    }
  }
  if (!e.AWS_ACCESS_KEY_ID || !e.AWS_SECRET_ACCESS_KEY) {
    const missing = e.AWS_ACCESS_KEY_ID ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID';
    throw new ConfigError(`invalid setting ${missing}: required with STORAGE_URL=s3://... (with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)`);
  }
  return {
    bucket,
    prefix: prefix === '' ? '' : `${prefix}/`,
    endpoint: e.S3_ENDPOINT ? new URL(e.S3_ENDPOINT).origin : null,
    region: e.S3_REGION ?? 'us-east-1',
    forcePathStyle: e.S3_FORCE_PATH_STYLE ?? false,
    accessKeyId: e.AWS_ACCESS_KEY_ID,
    secretAccessKey: e.AWS_SECRET_ACCESS_KEY,
  };
}

/** Strict forms only: four-part dotted IPv4 or IPv6, with an optional prefix length. */
const isAddressOrCidr = (s: string) =>
  s.includes('/') ? ipaddr.IPv4.isValidCIDRFourPartDecimal(s) || ipaddr.IPv6.isValidCIDR(s) : ipaddr.IPv4.isValidFourPartDecimal(s) || ipaddr.IPv6.isValid(s);

import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';

describe('loadConfig', () => {
  it('has defaults that work on one machine', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.host).toBe('0.0.0.0');
    expect(c.publicUrl).toBe('http://localhost:8080');
    expect(c.dataDir).toBe('./data');
    expect(c.databaseUrl).toBe('sqlite:./data/sora-characters.db');
    expect(c.maxSourceBytes).toBe(512 * 1024 * 1024);
    expect(c.allowPrivateUrls).toBe(false);
    expect(c.profilePages).toBe('all');
    expect(c.rateLimitPerMinute).toBeNull();
    expect(c.profileRateLimitPerMinute).toBe(60);
    expect(c.queueUrl).toBeNull();
    expect([c.workerConcurrency, c.renderConcurrency, c.webhookConcurrency]).toEqual([2, 2, 4]);
    expect(c.workerPort).toBe(8081);
    expect(c.queuePrefix).toBe('sora-characters');
    expect(c.jobLockMs).toBe(10_000);
    expect(c.shutdownGraceMs).toBe(20_000);
  });

  it('takes a Redis QUEUE_URL (BullMQ) and per-type concurrency', () => {
    const c = loadConfig({ QUEUE_URL: 'redis://127.0.0.1:6379/2', QUEUE_PREFIX: 'sc-test.1', RENDER_CONCURRENCY: '1', WEBHOOK_CONCURRENCY: '8' });
    expect(c.queueUrl).toBe('redis://127.0.0.1:6379/2');
    expect(c.queuePrefix).toBe('sc-test.1');
    expect([c.renderConcurrency, c.webhookConcurrency]).toEqual([1, 8]);
    expect(loadConfig({ QUEUE_URL: 'rediss://cache.example:6380' }).queueUrl).toBe('rediss://cache.example:6380');
  });

  it('PROFILE_RATE_LIMIT_PER_MINUTE: a number per minute, or off', () => {
    expect(loadConfig({ PROFILE_RATE_LIMIT_PER_MINUTE: '5' }).profileRateLimitPerMinute).toBe(5);
    expect(loadConfig({ PROFILE_RATE_LIMIT_PER_MINUTE: 'off' }).profileRateLimitPerMinute).toBeNull();
  });

  it('picks the signal bus: SIGNALS_URL, else a postgres DATABASE_URL, else this process alone', () => {
    expect(loadConfig({}).signalsUrl).toBeNull();
    expect(loadConfig({}).signalsPrefix).toBe('sora-characters.');
    expect(loadConfig({ QUEUE_PREFIX: 'prod-1' }).signalsPrefix).toBe('prod-1.');
    const pgUrl = 'postgres://u@db.example:5432/sc';
    expect(loadConfig({ DATABASE_URL: pgUrl }).signalsUrl).toBe(pgUrl);
    expect(loadConfig({ DATABASE_URL: pgUrl, SIGNALS_URL: 'redis://cache.example:6379', SIGNALS_PREFIX: 'prod:sc:' })).toMatchObject({
      signalsUrl: 'redis://cache.example:6379',
      signalsPrefix: 'prod:sc:',
    });
  });

  it('a QUEUE_PREFIX too long to name the signal channel stops boot, naming SIGNALS_PREFIX', () => {
    expect(() => loadConfig({ QUEUE_PREFIX: 'q'.repeat(48) })).toThrow(/^invalid setting SIGNALS_PREFIX: .* longer than 48 characters/);
    expect(loadConfig({ QUEUE_PREFIX: 'q'.repeat(48), SIGNALS_PREFIX: 'short.' }).signalsPrefix).toBe('short.');
  });

  it('derives PUBLIC_URL from PORT and lists keys', () => {
    const c = loadConfig({ PORT: '9000', API_KEYS: 'a, b,,c', PUBLIC_URL: undefined });
    expect(c.publicUrl).toBe('http://localhost:9000');
    expect(c.apiKeys).toEqual(['a', 'b', 'c']);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['ALLOW_PRIVATE_URLS', 'maybe'],
    ['PUBLIC_URL', 'ftp://x'],
    ['MAX_SOURCE_BYTES', '-5'],
    ['PROFILE_PAGES', 'some'],
    ['RATE_LIMIT_PER_MINUTE', 'lots'],
    ['PROFILE_RATE_LIMIT_PER_MINUTE', '0'],
    ['PROFILE_RATE_LIMIT_PER_MINUTE', 'lots'],
    ['WEBHOOK_SECRET', 'plain'],
    ['DATABASE_URL', 'mysql://x'],
    ['QUEUE_URL', 'amqp://x'],
    ['SIGNALS_URL', 'amqp://x'],
    ['SIGNALS_URL', 'inprocess'],
    ['SIGNALS_PREFIX', 'has space'],
    ['SIGNALS_PREFIX', 'x'.repeat(49)],
    ['SIGNING_SECRET', 'short'],
    ['STORAGE_URL', 'gs://bucket/prefix'],
    ['FILE_URLS', 'cdn'],
    ['RENDER_CONCURRENCY', '0'],
    ['WEBHOOK_CONCURRENCY', 'many'],
    ['WORKER_PORT', '70000'],
    ['QUEUE_PREFIX', 'a:b'],
    ['JOB_LOCK_MS', '10'],
    ['SHUTDOWN_GRACE_MS', '-1'],
  ])('a wrong %s stops boot with one line naming it', (name, value) => {
    let err: unknown;
    try {
      loadConfig({ [name]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).toContain(name);
    expect(message).not.toContain('\n');
  });
});

describe('S3 storage settings', () => {
  const s3Env = { STORAGE_URL: 's3://media-bucket/sora/assets', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret-example' };

  it('reads STORAGE_URL=s3://bucket/prefix with its endpoint, region, style and credentials', () => {
    const c = loadConfig({ ...s3Env, S3_ENDPOINT: 'http://127.0.0.1:9000/', S3_REGION: 'eu-west-3', S3_FORCE_PATH_STYLE: 'true' });
    expect(c.s3).toEqual({
      bucket: 'media-bucket',
      prefix: 'sora/assets/',
      endpoint: 'http://127.0.0.1:9000',
      region: 'eu-west-3',
      forcePathStyle: true,
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'secret-example',
    });
    expect(c.fileUrls).toBe('service');
  });

  it('defaults to AWS in us-east-1, virtual-hosted, no prefix; a folder store has no S3 settings', () => {
    expect(loadConfig({ ...s3Env, STORAGE_URL: 's3://media-bucket' }).s3).toMatchObject({
      prefix: '',
      endpoint: null,
      region: 'us-east-1',
      forcePathStyle: false,
    });
    expect(loadConfig({ ...s3Env, STORAGE_URL: 's3://media-bucket/' }).s3?.prefix).toBe('');
    expect(loadConfig({}).s3).toBeNull();
  });

  it('FILE_URLS=presigned needs S3 and a TTL S3 accepts', () => {
    expect(loadConfig({ ...s3Env, FILE_URLS: 'presigned' }).fileUrls).toBe('presigned');
    expect(() => loadConfig({ FILE_URLS: 'presigned' })).toThrow(/^invalid setting FILE_URLS=presigned: needs STORAGE_URL=s3:/);
    expect(() => loadConfig({ ...s3Env, FILE_URLS: 'presigned', SIGNED_URL_TTL_SECONDS: '604801' })).toThrow(/^invalid setting SIGNED_URL_TTL_SECONDS=604801/);
  });

  it.each([
    ['STORAGE_URL', { STORAGE_URL: 's3://' }],
    ['STORAGE_URL', { STORAGE_URL: 's3://ab/x' }],
    ['STORAGE_URL', { STORAGE_URL: 's3://Upper_Case/x' }],
    ['STORAGE_URL', { STORAGE_URL: 's3://bucket/../x' }],
    ['STORAGE_URL', { STORAGE_URL: 's3://bucket/a//b' }],
    ['STORAGE_URL', { STORAGE_URL: 's3://bucket/a b' }],
    ['S3_ENDPOINT', { S3_ENDPOINT: 'ftp://127.0.0.1' }],
    ['S3_ENDPOINT', { S3_ENDPOINT: 'http://127.0.0.1:9000/some/path' }],
    ['S3_ENDPOINT', { S3_ENDPOINT: 'http://user:pass@127.0.0.1:9000' }],
    ['S3_REGION', { S3_REGION: 'EU West' }],
    ['S3_FORCE_PATH_STYLE', { S3_FORCE_PATH_STYLE: 'sometimes' }],
    ['AWS_ACCESS_KEY_ID', { AWS_ACCESS_KEY_ID: undefined }],
    ['AWS_SECRET_ACCESS_KEY', { AWS_SECRET_ACCESS_KEY: undefined }],
  ])('a wrong %s with s3:// stops boot with one line naming it', (name, change) => {
    let err: unknown;
    try {
      loadConfig({ ...s3Env, ...change });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(new RegExp(`^invalid setting ${name}\\b`));
    expect((err as Error).message).not.toContain('\n');
    expect((err as Error).message).not.toContain('secret-example');
  });

  it.each(['S3_ENDPOINT', 'S3_REGION', 'S3_FORCE_PATH_STYLE'])('%s without an s3:// STORAGE_URL is refused, not ignored', (name) => {
    const value = name === 'S3_ENDPOINT' ? 'http://127.0.0.1:9000' : name === 'S3_REGION' ? 'us-east-1' : 'true';
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^invalid setting ${name}: only used with STORAGE_URL=s3://`));
  });
});

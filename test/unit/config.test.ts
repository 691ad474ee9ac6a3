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
    expect(c.queueUrl).toBeNull();
  });

  it('picks the signal bus: SIGNALS_URL, else a postgres DATABASE_URL, else this process alone', () => {
    expect(loadConfig({}).signalsUrl).toBeNull();
    expect(loadConfig({}).signalsPrefix).toBe('sora_characters_');
    const pgUrl = 'postgres://u@db.example:5432/sc';
    expect(loadConfig({ DATABASE_URL: pgUrl }).signalsUrl).toBe(pgUrl);
    expect(loadConfig({ DATABASE_URL: pgUrl, SIGNALS_URL: 'redis://cache.example:6379', SIGNALS_PREFIX: 'prod:sc:' })).toMatchObject({
      signalsUrl: 'redis://cache.example:6379',
      signalsPrefix: 'prod:sc:',
    });
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
    ['WEBHOOK_SECRET', 'plain'],
    ['DATABASE_URL', 'mysql://x'],
    ['QUEUE_URL', 'amqp://x'],
    ['SIGNALS_URL', 'amqp://x'],
    ['SIGNALS_URL', 'inprocess'],
    ['SIGNALS_PREFIX', 'has space'],
    ['SIGNALS_PREFIX', 'x'.repeat(41)],
    ['SIGNING_SECRET', 'short'],
    ['QUEUE_URL', 'redis://127.0.0.1:6379'],
    ['STORAGE_URL', 's3://bucket/prefix'],
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

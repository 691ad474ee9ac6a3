import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';

const boot = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (e) {
    return e;
  }
  return null;
};

describe('the ark engine settings', () => {
  it('defaults: no key, the ap-southeast base URL, 4 reference images', () => {
    const c = loadConfig({});
    expect(c.arkApiKey).toBeNull();
    expect(c.arkBaseUrl).toBe('https://ark.ap-southeast.bytepluses.com/api/v3');
    expect(c.arkMaxReferenceImages).toBe(4);
    expect(c.arkReferenceMedia).toBe('images');
    expect(loadConfig({ ARK_REFERENCE_MEDIA: 'all' }).arkReferenceMedia).toBe('all');
  });

  it('a model routed to ark with its key and model id', () => {
    const c = loadConfig({
      ENGINE_MODELS: 'sora-2-pro=ark:seedance-1-0-lite-i2v-250428',
      ARK_API_KEY: 'k',
      ARK_BASE_URL: 'http://127.0.0.1:9/api/v3/',
      ARK_MAX_REFERENCE_IMAGES: '9',
    });
    expect(c.engineRoutes['sora-2-pro']).toEqual({ engine: 'ark', upstreamModel: 'seedance-1-0-lite-i2v-250428' });
    expect(c.arkApiKey).toBe('k');
    expect(c.arkBaseUrl).toBe('http://127.0.0.1:9/api/v3');
    expect(c.arkMaxReferenceImages).toBe(9);
  });

  it('a route to ark without ARK_API_KEY stops the boot with one line naming it', () => {
    const err = boot({ ENGINE_MODELS: 'sora-2-pro=ark:seedance-1-0-lite-i2v-250428' });
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe('missing setting ARK_API_KEY: ENGINE_MODELS routes sora-2-pro to the ark engine');
  });

  it('a route to ark without an upstream model stops the boot naming ENGINE_MODELS', () => {
    const err = boot({ ENGINE_MODELS: 'sora-2-pro=ark', ARK_API_KEY: 'k' });
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/^invalid setting ENGINE_MODELS: sora-2-pro=ark needs an upstream model/);
  });

  it.each([
    ['ARK_BASE_URL', 'ftp://ark.example.com'],
    ['ARK_BASE_URL', 'not a url'],
    ['ARK_MAX_REFERENCE_IMAGES', '0'],
    ['ARK_MAX_REFERENCE_IMAGES', '10'],
    ['ARK_MAX_REFERENCE_IMAGES', 'four'],
    ['ARK_REFERENCE_MEDIA', 'videos'],
  ])('a wrong %s=%s stops the boot with one line naming it', (name, value) => {
    const err = boot({ [name]: value });
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(name);
    expect((err as Error).message).not.toContain('\n');
  });
});

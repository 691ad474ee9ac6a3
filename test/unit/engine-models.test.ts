import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { DEFAULT_ROUTES, engineRoutesFromSetting, parseEngineModels } from '../../src/config/engine-models.js';

const SEEDANCE = 'bytedance/seedance-2.0/reference-to-video';
const KLING = 'fal-ai/kling-video/o3/pro/reference-to-video';

describe('ENGINE_MODELS: model=engine[:upstream-model]', () => {
  it('parses engines with and without an upstream model, ignoring spaces and empty entries', () => {
    expect(parseEngineModels(`sora-2=fal:${SEEDANCE}, , kling-o3 = fal : ${KLING} ,mine=local,sora-2-pro=ark:seedance-2-0-260128`)).toEqual({
      'sora-2': { engine: 'fal', upstreamModel: SEEDANCE },
      'kling-o3': { engine: 'fal', upstreamModel: KLING },
      mine: { engine: 'local', upstreamModel: null },
      'sora-2-pro': { engine: 'ark', upstreamModel: 'seedance-2-0-260128' },
    });
    expect(parseEngineModels('')).toEqual({});
  });

  it('keeps colons of the upstream model after the first one', () => {
    expect(parseEngineModels('x=fal:fal-ai/veo3.1/reference-to-video:v2')).toEqual({
      x: { engine: 'fal', upstreamModel: 'fal-ai/veo3.1/reference-to-video:v2' },
    });
  });

  it('refuses malformed entries, naming them', () => {
    expect(() => parseEngineModels('sora-2')).toThrow(/'sora-2' is not model=engine\[:upstream-model\]/);
    expect(() => parseEngineModels('=local')).toThrow(/not a valid model/);
    expect(() => parseEngineModels('sora-2=')).toThrow(/not a valid engine/);
    expect(() => parseEngineModels('sora-2=:x')).toThrow(/not a valid engine/);
    expect(() => parseEngineModels('sora 2=local')).toThrow(/not a valid model/);
    expect(() => parseEngineModels('a=local,a=fal:m/x')).toThrow(/listed twice/);
    expect(() => parseEngineModels('a=fal:')).toThrow(/'' is not a valid upstream model of a/);
    expect(() => parseEngineModels('a=fal:has space')).toThrow(/not a valid upstream model/);
    expect(() => parseEngineModels('a=local:x')).toThrow(/local engine of a takes no upstream model/);
    expect(() => parseEngineModels('a=fal')).toThrow(/a=fal needs an upstream model/);
  });

  it('adds named entries to the default routes and overrides the ones it names; local stays for the rest', () => {
    expect(engineRoutesFromSetting(undefined)).toEqual(DEFAULT_ROUTES);
    expect(engineRoutesFromSetting('  ')).toEqual(DEFAULT_ROUTES);
    expect(engineRoutesFromSetting(`sora-2=fal:${SEEDANCE},kling-o3=fal:${KLING}`)).toEqual({
      'sora-2': { engine: 'fal', upstreamModel: SEEDANCE },
      'sora-2-pro': { engine: 'local', upstreamModel: null },
      'kling-o3': { engine: 'fal', upstreamModel: KLING },
    });
    // The defaults are not changed by a call.
    expect(DEFAULT_ROUTES['sora-2']).toEqual({ engine: 'local', upstreamModel: null });
  });
});

describe('loadConfig and the hosted engines', () => {
  it('refuses the boot with one line naming FAL_KEY when a model is routed to fal without it', () => {
    for (const env of [{ ENGINE_MODELS: `sora-2=fal:${SEEDANCE}` }, { ENGINE_MODELS: `sora-2=fal:${SEEDANCE}`, FAL_KEY: '' }]) {
      let err: unknown;
      try {
        loadConfig(env);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toBe('missing setting FAL_KEY: ENGINE_MODELS routes sora-2 to the fal engine');
      expect((err as Error).message).not.toContain('\n');
    }
  });

  it('refuses a malformed ENGINE_MODELS in one line', () => {
    expect(() => loadConfig({ ENGINE_MODELS: 'sora-2' })).toThrow(/^invalid setting ENGINE_MODELS: 'sora-2' is not model=engine/);
  });

  it('reads the fal and engine settings, with their defaults', () => {
    const c = loadConfig({ ENGINE_MODELS: `sora-2=fal:${SEEDANCE}`, FAL_KEY: 'k' });
    expect(c).toMatchObject({
      falKey: 'k',
      falQueueUrl: 'https://queue.fal.run',
      engineConcurrency: 4,
      engineTaskTimeoutMs: 30 * 60_000,
      enginePollIntervalMs: 5000,
      publicUrlReachable: false,
    });
    expect(c.engineRoutes['sora-2']).toEqual({ engine: 'fal', upstreamModel: SEEDANCE });
    expect(loadConfig({}).engineRoutes).toEqual(DEFAULT_ROUTES);
    const d = loadConfig({
      FAL_QUEUE_URL: 'http://127.0.0.1:9/',
      ENGINE_CONCURRENCY: '2',
      ENGINE_TASK_TIMEOUT_MS: '5000',
      ENGINE_POLL_INTERVAL_MS: '100',
      PUBLIC_URL_REACHABLE: 'true',
    });
    expect(d).toMatchObject({
      falQueueUrl: 'http://127.0.0.1:9',
      engineConcurrency: 2,
      engineTaskTimeoutMs: 5000,
      enginePollIntervalMs: 100,
      publicUrlReachable: true,
    });
  });

  it.each([
    ['FAL_QUEUE_URL', 'ftp://queue'],
    ['ENGINE_CONCURRENCY', '0'],
    ['ENGINE_TASK_TIMEOUT_MS', '10'],
    ['ENGINE_POLL_INTERVAL_MS', 'often'],
    ['PUBLIC_URL_REACHABLE', 'maybe'],
  ])('refuses %s=%s naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^invalid setting ${name}=`));
  });
});

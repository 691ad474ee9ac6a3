import { describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engines/ports.js';
import { createEngineRegistry, DEFAULT_MODEL_MAP } from '../../src/engines/registry.js';
import { AppError } from '../../src/errors.js';

const fake = (name: string): Engine => ({
  name,
  render: async () => ({ videoPath: 'v', thumbnailPath: 't', spritesheetPath: 's', durationSec: 4 }),
});

describe('createEngineRegistry', () => {
  it('maps the default models to the local engine', () => {
    const local = fake('local');
    const reg = createEngineRegistry([local]);
    expect(reg.engineFor('sora-2')).toBe(local);
    expect(reg.engineFor('sora-2-pro')).toBe(local);
    expect(reg.models()).toEqual(['sora-2', 'sora-2-pro']);
    expect(DEFAULT_MODEL_MAP).toEqual({ 'sora-2': 'local', 'sora-2-pro': 'local' });
  });

  it('routes models to their engines', () => {
    const local = fake('local');
    const up = fake('upstream');
    const reg = createEngineRegistry([local, up], { 'sora-2': 'upstream', mine: 'local' });
    expect(reg.engineFor('sora-2')).toBe(up);
    expect(reg.engineFor('mine')).toBe(local);
    expect(reg.models()).toEqual(['sora-2', 'mine']);
    expect(reg.upstreamModelFor('sora-2')).toBeNull();
  });

  it('keeps the upstream model of a hosted route', () => {
    const fal = fake('fal');
    const reg = createEngineRegistry([fake('local'), fal], {
      'sora-2': { engine: 'fal', upstreamModel: 'bytedance/seedance-2.0/reference-to-video' },
      'sora-2-pro': { engine: 'local', upstreamModel: null },
    });
    expect(reg.engineFor('sora-2')).toBe(fal);
    expect(reg.upstreamModelFor('sora-2')).toBe('bytedance/seedance-2.0/reference-to-video');
    expect(reg.upstreamModelFor('sora-2-pro')).toBeNull();
    expect(() => reg.upstreamModelFor('nope')).toThrow(/Unsupported model/);
  });

  it('refuses an unknown model with invalid_parameter on param model', () => {
    const reg = createEngineRegistry([fake('local')]);
    for (const model of ['sora-3', '', '__proto__', 'constructor', 'toString']) {
      let err: unknown;
      try {
        reg.engineFor(model);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('invalid_parameter');
      expect((err as AppError).param).toBe('model');
      expect((err as AppError).message).toContain('sora-2');
    }
  });

  it('shortens a huge unknown model name in the message', () => {
    const reg = createEngineRegistry([fake('local')]);
    expect(() => reg.engineFor('x'.repeat(5000))).toThrow(/x{64}…'/);
  });

  it('fails fast on a map naming an unknown engine, and on duplicate engines', () => {
    expect(() => createEngineRegistry([fake('local')], { 'sora-2': 'lokal' })).toThrow(/unknown engine 'lokal'/);
    expect(() => createEngineRegistry([fake('local'), fake('local')])).toThrow(/twice/);
  });
});

import { describe, expect, it } from 'vitest';
import { pollingEngine, type UpstreamStatus, type UpstreamVideoApi } from '../../src/engines/polling.js';
import type { Engine, RenderRequest, RenderResult } from '../../src/engines/ports.js';
import { createEngineRegistry, DEFAULT_MODEL_MAP, modelMapFromSetting, parseModelMap } from '../../src/engines/registry.js';
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

describe('parseModelMap / modelMapFromSetting', () => {
  it('parses model=engine pairs, ignoring spaces and empty entries', () => {
    expect(parseModelMap('sora-2=local,my-model=local')).toEqual({ 'sora-2': 'local', 'my-model': 'local' });
    expect(parseModelMap(' sora-2 = local , , vendor/x:1=up ')).toEqual({ 'sora-2': 'local', 'vendor/x:1': 'up' });
    expect(parseModelMap('')).toEqual({});
  });

  it('refuses malformed entries', () => {
    expect(() => parseModelMap('sora-2')).toThrow(/not model=engine/);
    expect(() => parseModelMap('=local')).toThrow(/not a valid model/);
    expect(() => parseModelMap('sora-2=')).toThrow(/not a valid engine/);
    expect(() => parseModelMap('sora 2=local')).toThrow(/not a valid model/);
    expect(() => parseModelMap('a=local,a=up')).toThrow(/twice/);
  });

  it('uses the default map when the setting is unset or blank, else the setting alone', () => {
    expect(modelMapFromSetting(undefined)).toEqual(DEFAULT_MODEL_MAP);
    expect(modelMapFromSetting('  ')).toEqual(DEFAULT_MODEL_MAP);
    expect(modelMapFromSetting('sora-2=local')).toEqual({ 'sora-2': 'local' });
    expect(() => modelMapFromSetting(',')).toThrow(/no model=engine/);
  });
});

describe('pollingEngine (a polled upstream behind the same port)', () => {
  const req = { taskId: 't', workDir: '/tmp/x' } as RenderRequest;
  const result: RenderResult = { videoPath: '/tmp/x/v.mp4', thumbnailPath: '/tmp/x/t.webp', spritesheetPath: '/tmp/x/s.jpg', durationSec: 4 };

  function upstream(statuses: UpstreamStatus[]) {
    const calls: string[] = [];
    const api: UpstreamVideoApi = {
      submit: async () => {
        calls.push('submit');
        return 'up_1';
      },
      progress: async (id) => {
        calls.push(`progress ${id}`);
        return statuses.shift() ?? { status: 'in_progress', progress: 50 };
      },
      result: async (id, dir) => {
        calls.push(`result ${id} ${dir}`);
        return result;
      },
      cancel: async (id) => {
        calls.push(`cancel ${id}`);
      },
    };
    return { api, calls };
  }

  it('submits, polls with monotonic progress, then fetches the result', async () => {
    const { api, calls } = upstream([
      { status: 'queued' },
      { status: 'in_progress', progress: 30 },
      { status: 'in_progress', progress: 20 },
      { status: 'in_progress', progress: 100 },
      { status: 'completed', progress: 100 },
    ]);
    const seen: number[] = [];
    const out = await pollingEngine('up', api, { intervalMs: 1 }).render(req, (p) => seen.push(p), new AbortController().signal);
    expect(out).toEqual(result);
    expect(seen).toEqual([0, 30, 99, 100]);
    expect(calls[0]).toBe('submit');
    expect(calls.at(-1)).toBe('result up_1 /tmp/x');
  });

  it('turns an upstream failure into engine_error', async () => {
    const { api } = upstream([{ status: 'failed', error: 'moderation' }]);
    await expect(pollingEngine('up', api, { intervalMs: 1 }).render(req, () => {}, new AbortController().signal)).rejects.toMatchObject({
      code: 'engine_error',
    });
  });

  it('cancels upstream when the signal aborts', async () => {
    const { api, calls } = upstream([]);
    const ac = new AbortController();
    const p = pollingEngine('up', api, { intervalMs: 50 }).render(req, () => {}, ac.signal);
    setTimeout(() => ac.abort(new Error('stop')), 20);
    await expect(p).rejects.toMatchObject({ code: 'engine_error', message: expect.stringMatching(/cancelled/) });
    expect(calls).toContain('cancel up_1');
  });

  it('cancels upstream and fails after its timeout', async () => {
    const { api, calls } = upstream([]);
    await expect(pollingEngine('up', api, { intervalMs: 5, timeoutMs: 20 }).render(req, () => {}, new AbortController().signal)).rejects.toMatchObject({
      code: 'engine_error',
      message: expect.stringMatching(/too long/),
    });
    expect(calls).toContain('cancel up_1');
  });
});

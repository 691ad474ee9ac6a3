import { AppError } from '../errors.js';
import type { Engine, EngineRegistry } from './ports.js';

/** Which engine renders which model, when ENGINE_MODELS is not set. */
export const DEFAULT_MODEL_MAP: Readonly<Record<string, string>> = Object.freeze({
  'sora-2': 'local',
  'sora-2-pro': 'local',
});

const MODEL_RE = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;
const ENGINE_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Parses the ENGINE_MODELS setting: `model=engine` pairs separated by commas, e.g.
 * `sora-2=local,my-model=local`. Spaces around names are ignored; an empty setting gives `{}`.
 * Throws an Error naming the bad entry (a configuration error, reported at start-up).
 */
export function parseModelMap(setting: string): Record<string, string> {
  const map: Record<string, string> = {};
  const seen = new Set<string>();
  for (const raw of setting.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    if (eq < 0) throw new Error(`ENGINE_MODELS: '${entry}' is not model=engine`);
    const model = entry.slice(0, eq).trim();
    const engine = entry.slice(eq + 1).trim();
    if (!MODEL_RE.test(model)) throw new Error(`ENGINE_MODELS: '${model}' is not a valid model name`);
    if (!ENGINE_RE.test(engine)) throw new Error(`ENGINE_MODELS: '${engine}' is not a valid engine name`);
    if (seen.has(model)) throw new Error(`ENGINE_MODELS: model '${model}' is listed twice`);
    seen.add(model);
    map[model] = engine;
  }
  return map;
}

/**
 * The model map in effect: ENGINE_MODELS when set (it replaces the default map, so an operator
 * can also withdraw a model), else DEFAULT_MODEL_MAP.
 */
export function modelMapFromSetting(setting: string | undefined): Record<string, string> {
  if (setting === undefined || setting.trim() === '') return { ...DEFAULT_MODEL_MAP };
  const map = parseModelMap(setting);
  if (Object.keys(map).length === 0) throw new Error('ENGINE_MODELS: no model=engine pair');
  return map;
}

/**
 * Chooses the engine of a task by its model. Every model of `modelMap` must name one of
 * `engines` (checked here, at start-up: a typo in ENGINE_MODELS fails fast).
 */
export function createEngineRegistry(engines: readonly Engine[], modelMap: Readonly<Record<string, string>> = DEFAULT_MODEL_MAP): EngineRegistry {
  const byName = new Map<string, Engine>();
  for (const e of engines) {
    if (byName.has(e.name)) throw new Error(`engine '${e.name}' is registered twice`);
    byName.set(e.name, e);
  }
  const byModel = new Map<string, Engine>();
  for (const [model, engineName] of Object.entries(modelMap)) {
    const engine = byName.get(engineName);
    if (!engine) {
      const known = [...byName.keys()].join(', ') || 'none';
      throw new Error(`model '${model}' maps to unknown engine '${engineName}' (engines: ${known})`);
    }
    byModel.set(model, engine);
  }
  const models = [...byModel.keys()];
  return {
    engineFor(model: string): Engine {
      const engine = byModel.get(model);
      if (!engine) {
        const shown = model.length > 64 ? `${model.slice(0, 64)}…` : model;
        throw new AppError('invalid_parameter', `Unsupported model '${shown}'; supported models: ${models.join(', ')}.`, {
          param: 'model',
        });
      }
      return engine;
    },
    models: () => [...models],
  };
}

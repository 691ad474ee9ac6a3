import { AppError } from '../errors.js';
import type { Engine, EngineRegistry, ModelRoute } from './ports.js';

/** Which engine renders which model when ENGINE_MODELS names none (src/config/engine-models.ts parses the setting). */
export const DEFAULT_MODEL_MAP: Readonly<Record<string, string>> = Object.freeze({
  'sora-2': 'local',
  'sora-2-pro': 'local',
});

/**
 * Chooses the engine of a task by its model. Every model of `routes` must name one of
 * `engines` (checked here, at start-up: a typo in ENGINE_MODELS fails fast). A route is an
 * engine name, or `{engine, upstreamModel}` for a hosted engine.
 */
export function createEngineRegistry(engines: readonly Engine[], routes: Readonly<Record<string, string | ModelRoute>> = DEFAULT_MODEL_MAP): EngineRegistry {
  const byName = new Map<string, Engine>();
  for (const e of engines) {
    if (byName.has(e.name)) throw new Error(`engine '${e.name}' is registered twice`);
    byName.set(e.name, e);
  }
  const byModel = new Map<string, { engine: Engine; upstreamModel: string | null }>();
  for (const [model, route] of Object.entries(routes)) {
    const { engine: engineName, upstreamModel } = typeof route === 'string' ? { engine: route, upstreamModel: null } : route;
    const engine = byName.get(engineName);
    if (!engine) {
      const known = [...byName.keys()].join(', ') || 'none';
      throw new Error(`model '${model}' maps to unknown engine '${engineName}' (engines: ${known})`);
    }
    byModel.set(model, { engine, upstreamModel });
  }
  const models = [...byModel.keys()];
  const routeOf = (model: string) => {
    const route = byModel.get(model);
    if (!route) {
      const shown = model.length > 64 ? `${model.slice(0, 64)}…` : model;
      throw new AppError('invalid_parameter', `Unsupported model '${shown}'; supported models: ${models.join(', ')}.`, {
        param: 'model',
      });
    }
    return route;
  };
  return {
    engineFor: (model: string): Engine => routeOf(model).engine,
    upstreamModelFor: (model: string): string | null => routeOf(model).upstreamModel,
    models: () => [...models],
  };
}

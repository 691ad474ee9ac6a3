/**
 * The ENGINE_MODELS grammar: `model=engine[:upstream-model]` entries separated by commas, e.g.
 * `sora-2=fal:bytedance/seedance-2.0/reference-to-video,kling-o3=fal:fal-ai/kling-video/o3/pro/reference-to-video`.
 * Named entries add to (or override) the default routes, so every model not named stays on
 * `local`. Spaces around names are ignored. A bad entry throws an Error naming it (reported at boot).
 */
export interface ModelRoute {
  engine: string;
  /** The upstream's model id; null for `local` (and for a hosted engine's default, which none has yet). */
  upstreamModel: string | null;
}

/** The routes in effect when ENGINE_MODELS does not name a model. */
export const DEFAULT_ROUTES: Readonly<Record<string, ModelRoute>> = Object.freeze({
  'sora-2': { engine: 'local', upstreamModel: null },
  'sora-2-pro': { engine: 'local', upstreamModel: null },
});

const MODEL_RE = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;
const ENGINE_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const UPSTREAM_RE = /^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,255}$/;

/** The engines that render upstream, each with the setting it cannot work without. */
export const HOSTED_ENGINE_CREDENTIALS: Readonly<Record<string, string>> = Object.freeze({ fal: 'FAL_KEY', ark: 'ARK_API_KEY' });

/** The named entries only. */
export function parseEngineModels(setting: string): Record<string, ModelRoute> {
  const routes: Record<string, ModelRoute> = {};
  for (const raw of setting.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    const eq = entry.indexOf('=');
    if (eq < 0) throw new Error(`ENGINE_MODELS: '${entry}' is not model=engine[:upstream-model]`);
    const model = entry.slice(0, eq).trim();
    const target = entry.slice(eq + 1).trim();
    const colon = target.indexOf(':');
    const engine = (colon < 0 ? target : target.slice(0, colon)).trim();
    const upstream = colon < 0 ? null : target.slice(colon + 1).trim();
    if (!MODEL_RE.test(model)) throw new Error(`ENGINE_MODELS: '${model}' is not a valid model name`);
    if (!ENGINE_RE.test(engine)) throw new Error(`ENGINE_MODELS: '${engine}' is not a valid engine name`);
    if (upstream !== null && !UPSTREAM_RE.test(upstream)) throw new Error(`ENGINE_MODELS: '${upstream}' is not a valid upstream model of ${model}`);
    if (Object.hasOwn(routes, model)) throw new Error(`ENGINE_MODELS: model '${model}' is listed twice`);
    if (engine === 'local' && upstream !== null) throw new Error(`ENGINE_MODELS: the local engine of ${model} takes no upstream model`);
    if (engine in HOSTED_ENGINE_CREDENTIALS && upstream === null) {
      throw new Error(`ENGINE_MODELS: ${model}=${engine} needs an upstream model (${model}=${engine}:<upstream-model>)`);
    }
    routes[model] = { engine, upstreamModel: upstream };
  }
  return routes;
}

/** The routes in effect: DEFAULT_ROUTES, with the named entries added or overriding. */
export function engineRoutesFromSetting(setting: string | undefined): Record<string, ModelRoute> {
  const named = setting === undefined ? {} : parseEngineModels(setting);
  return { ...structuredClone(DEFAULT_ROUTES), ...named };
}

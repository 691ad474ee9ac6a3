import { createHostedEngine, type HostedEngineSettings } from '../hosted-engine.js';
import type { Engine } from '../ports.js';
import type { RetryPolicy } from '../upstream-http.js';
import { createFalApi } from './fal-api.js';
import { falFamilyOf } from './families.js';

export { falFamilyOf } from './families.js';

export const FAL_ENGINE_NAME = 'fal';

export interface FalEngineOptions extends HostedEngineSettings {
  key: string;
  queueUrl: string;
  /** The upstream models routed to fal: each must be of a family the engine knows (checked now, at boot). */
  upstreamModels: string[];
  retry?: RetryPolicy;
  /** Test seam: the fetch of the queue calls. */
  fetchImpl?: typeof fetch;
}

/** The fal engine: the fal queue behind the hosted-engine framework. */
export function createFalEngine(opts: FalEngineOptions): Engine {
  for (const m of opts.upstreamModels) {
    if (!falFamilyOf(m)) {
      throw new Error(
        `ENGINE_MODELS: the fal engine does not know the model '${m}' (known: Seedance 2.0, Kling O3 and Veo 3.1 reference-to-video, e.g. bytedance/seedance-2.0/reference-to-video)`,
      );
    }
  }
  const { key, queueUrl, retry, fetchImpl, upstreamModels: _checked, ...settings } = opts;
  return createHostedEngine({ name: FAL_ENGINE_NAME, api: createFalApi({ key, queueUrl, retry, fetchImpl }), ...settings });
}

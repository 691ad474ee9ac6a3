import { createHostedEngine, type HostedEngineSettings } from '../hosted-engine.js';
import type { Engine } from '../ports.js';
import type { RetryPolicy } from '../upstream-http.js';
import { createArkApi } from './ark-api.js';
import type { ArkSendOptions } from './request.js';

export const ARK_ENGINE_NAME = 'ark';
export const ARK_DEFAULT_BASE_URL = 'https://ark.ap-southeast.bytepluses.com/api/v3';

export interface ArkEngineOptions extends HostedEngineSettings {
  apiKey: string;
  baseUrl: string;
  /** ARK_MAX_REFERENCE_IMAGES and ARK_REFERENCE_MEDIA. */
  send: ArkSendOptions;
  retry?: RetryPolicy;
}

/** The ark engine: BytePlus ModelArk's content-generation tasks (Seedance) behind the hosted-engine framework. */
export function createArkEngine(opts: ArkEngineOptions): Engine {
  const { apiKey, baseUrl, send, retry, ...settings } = opts;
  return createHostedEngine({ name: ARK_ENGINE_NAME, api: createArkApi({ apiKey, baseUrl, send, retry }), ...settings });
}

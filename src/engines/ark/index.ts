import type { MediaBinaries } from '../../ffmpeg/binaries.js';
import { createHostedEngine } from '../hosted-engine.js';
import type { Engine } from '../ports.js';
import type { RetryPolicy } from '../upstream-http.js';
import { createArkApi } from './ark-api.js';
import type { ArkSendOptions } from './request.js';

export const ARK_ENGINE_NAME = 'ark';
export const ARK_DEFAULT_BASE_URL = 'https://ark.ap-southeast.bytepluses.com/api/v3';

export interface ArkEngineOptions {
  apiKey: string;
  baseUrl: string;
  /** ARK_MAX_REFERENCE_IMAGES and ARK_REFERENCE_MEDIA. */
  send: ArkSendOptions;
  concurrency: number;
  pollIntervalMs: number;
  taskTimeoutMs: number;
  download(url: string, dest: string, signal: AbortSignal): Promise<unknown>;
  binaries: MediaBinaries;
  maxMemoryMb?: number;
  retry?: RetryPolicy;
}

/** The ark engine: BytePlus ModelArk's content-generation tasks (Seedance) behind the hosted-engine framework. */
export function createArkEngine(opts: ArkEngineOptions): Engine {
  return createHostedEngine({
    name: ARK_ENGINE_NAME,
    api: createArkApi({ apiKey: opts.apiKey, baseUrl: opts.baseUrl, send: opts.send, retry: opts.retry }),
    concurrency: opts.concurrency,
    pollIntervalMs: opts.pollIntervalMs,
    taskTimeoutMs: opts.taskTimeoutMs,
    download: opts.download,
    binaries: opts.binaries,
    maxMemoryMb: opts.maxMemoryMb,
  });
}

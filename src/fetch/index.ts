export { fetchSource } from './fetch-source.js';
export { createSourceFetcher } from './source-fetcher.js';
export { isForbiddenAddress } from './address-policy.js';
export { parseSourceUrl, type SourceUrlRules } from './parse-source-url.js';
export { createSafeDispatcher, systemResolver, type SafeDispatcherOptions } from './safe-dispatcher.js';
export { downloadToFile } from './download-to-file.js';
export { checkDataUrl, writeDataUrlToFile } from './data-url.js';
export type * from './download-options.js';

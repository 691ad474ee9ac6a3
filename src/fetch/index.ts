export { isForbiddenAddress } from './address-policy.js';
export { checkDataUrl, writeDataUrlToFile } from './data-url.js';
export type * from './download-options.js';
export { downloadToFile } from './download-to-file.js';
export { fetchSource } from './fetch-source.js';
export { parseSourceUrl, type SourceUrlRules } from './parse-source-url.js';
export { createSafeDispatcher, type SafeDispatcherOptions, systemResolver } from './safe-dispatcher.js';
export { createSourceFetcher } from './source-fetcher.js';

export * from './backoff.js';
export * from './deliver.js';
export * from './delivery-handler.js';
export * from './delivery-queue.js';
export * from './event.js';
export * from './sign.js';
export * from './webhook-notifier.js';

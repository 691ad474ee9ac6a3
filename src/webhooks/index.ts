export * from './event.js';
export * from './sign.js';
export * from './deliver.js';
export * from './backoff.js';
export * from './delivery-queue.js';
export * from './delivery-handler.js';
export * from './webhook-notifier.js';

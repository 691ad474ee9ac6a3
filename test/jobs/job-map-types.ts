/**
 * Type-level checks of the job map, compiled by tsc (`npm run typecheck`) and by
 * job-map-types.test.ts. Every `@ts-expect-error` below must meet an error: a job map that
 * misses a type, or a definition without its exhaustion rule, must not compile.
 */
import type { JobDefinition, JobHandlers } from '../../src/jobs/ports.js';

const character: JobDefinition<'character.create'> = { run: async () => {}, onExhausted: async () => {} };
const render: JobDefinition<'video.render'> = { run: async () => {}, onExhausted: async () => {} };
const webhook: JobDefinition<'webhook.deliver'> = { run: async () => {}, onExhausted: async () => {} };

export const complete: JobHandlers = { 'character.create': character, 'video.render': render, 'webhook.deliver': webhook };

// @ts-expect-error a job type without a handler ('webhook.deliver') fails the build
export const missingType: JobHandlers = { 'character.create': character, 'video.render': render };

// @ts-expect-error a handler without its onExhausted settle function fails the build
export const missingRule: JobHandlers = { 'character.create': { run: async () => {} }, 'video.render': render, 'webhook.deliver': webhook };

// @ts-expect-error a handler registered under another type's payload fails the build
export const wrongPayload: JobHandlers = { 'character.create': render, 'video.render': render, 'webhook.deliver': webhook };

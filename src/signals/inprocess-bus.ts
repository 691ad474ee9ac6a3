import { createListenerSet } from './listeners.js';
import type { SignalBus } from './ports.js';

/**
 * The embedded default: one process, so a message reaches its listeners in this process only,
 * delivered on a later microtask (as a message from another process would be, never inside the
 * publisher's call). Nothing can be lost, so there is never a gap.
 */
export function createInProcessBus(opts: { onListenerError?: (err: unknown) => void } = {}): SignalBus {
  const listeners = createListenerSet(opts.onListenerError);
  let closed = false;
  return {
    publish(type, payload) {
      if (closed) return;
      queueMicrotask(() => listeners.dispatch(type, payload));
    },
    subscribe: (type, listener) => listeners.subscribe(type, listener),
    onGap: (listener) => listeners.onGap(listener),
    live: () => !closed,
    ready: async () => {},
    async close() {
      closed = true;
    },
  };
}

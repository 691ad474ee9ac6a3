import { isSignalPayload, type SignalListener, type SignalPayloads, type SignalType } from './ports.js';

/** The listeners of one bus, shared by every implementation: typed dispatch, and the gap callbacks. */
export function createListenerSet(onListenerError: (err: unknown) => void = () => {}) {
  const byType = new Map<SignalType, Set<SignalListener<SignalType>>>();
  const gapListeners = new Set<() => void>();

  const call = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      onListenerError(err);
    }
  };

  return {
    subscribe<T extends SignalType>(type: T, listener: SignalListener<T>): () => void {
      const set = byType.get(type) ?? new Set<SignalListener<SignalType>>();
      byType.set(type, set);
      const l = listener as SignalListener<SignalType>;
      set.add(l);
      return () => {
        set.delete(l);
      };
    },
    onGap(listener: () => void): () => void {
      gapListeners.add(listener);
      return () => {
        gapListeners.delete(listener);
      };
    },
    dispatch<T extends SignalType>(type: T, payload: SignalPayloads[T]): void {
      for (const l of [...(byType.get(type) ?? [])]) call(() => l(payload));
    },
    /** A message off the wire: `{"t": type, "p": payload}`; anything malformed is dropped. */
    dispatchWire(text: string): void {
      let msg: { t?: unknown; p?: unknown };
      try {
        msg = JSON.parse(text);
      } catch {
        return;
      }
      if (typeof msg?.t !== 'string' || !isSignalPayload(msg.t, msg.p)) return;
      this.dispatch(msg.t as SignalType, msg.p as SignalPayloads[SignalType]);
    },
    gap(): void {
      for (const l of [...gapListeners]) call(l);
    },
  };
}

export const toWire = <T extends SignalType>(type: T, payload: SignalPayloads[T]): string => JSON.stringify({ t: type, p: payload });

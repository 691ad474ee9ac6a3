/**
 * Signals: small typed messages between the processes that share one deployment (APIs and
 * workers). They carry no data of their own, only "this changed": every receiver reads the truth
 * from the store. Delivery is at most once; a receiver that may have missed messages is told so
 * (`onGap`) and must then forget everything it kept on their strength.
 */
export interface SignalPayloads {
  /** A character left `processing` (ready or failed): a synchronous create waiting for it answers. */
  'character.settled': { id: string };
  /** A character was patched, deleted or changed visibility: caches drop it. */
  'character.changed': { id: string; username: string };
  /** Every blob under this key prefix was deleted: caches drop what they keep of it. */
  'blobs.deleted': { prefix: string };
}

export type SignalType = keyof SignalPayloads;

export const SIGNAL_TYPES: readonly SignalType[] = ['character.settled', 'character.changed', 'blobs.deleted'];

export type SignalListener<T extends SignalType> = (payload: SignalPayloads[T]) => void;

export interface SignalBus {
  /**
   * Sends to every subscriber of every process on the bus, this one included. Never throws and
   * never waits: a message the bus cannot send now is sent when its connection is back, or
   * dropped (and logged); receivers learn of what they may have missed through `onGap`.
   */
  publish<T extends SignalType>(type: T, payload: SignalPayloads[T]): void;
  /** Listens for one type; returns the unsubscribe. A listener that throws harms no other. */
  subscribe<T extends SignalType>(type: T, listener: SignalListener<T>): () => void;
  /**
   * Called whenever messages may have been missed: the connection was lost and is back. Called
   * after the bus listens again, so what is read from the store after it is seen to change.
   */
  onGap(listener: () => void): () => void;
  /** True while the bus is connected and listening: only then may a cache trust that no change went unsaid. */
  live(): boolean;
  /** Resolves once the bus listens (or rejects when it cannot reach its server at all). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** Whether a value is a well-formed payload of `type` (what arrives over a wire is checked before listeners see it). */
export function isSignalPayload(type: string, payload: unknown): payload is SignalPayloads[SignalType] {
  if (!payload || typeof payload !== 'object') return false;
  const p = payload as Record<string, unknown>;
  switch (type) {
    case 'character.settled':
      return typeof p.id === 'string';
    case 'character.changed':
      return typeof p.id === 'string' && typeof p.username === 'string';
    case 'blobs.deleted':
      return typeof p.prefix === 'string';
    default:
      return false;
  }
}

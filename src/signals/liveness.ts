export interface LivenessOptions {
  /** Sends one beat on the bus's own beat channel; it should come back through the listener. */
  beat: () => void;
  /** Called when beats come back after the bus went silent: messages may have been missed. */
  onRecovered: () => void;
  intervalMs?: number;
  /** No beat back for this long: the bus is not live (a half-open connection, a lost subscription). */
  staleAfterMs?: number;
  now?: () => number;
}

export interface Liveness {
  /** The listener is subscribed again (the caller announces the gap). */
  listening(): void;
  /** The listening connection is gone. */
  lost(): void;
  /** One of this bus's own beats came back. */
  heard(): void;
  live(): boolean;
  stop(): void;
}

/**
 * Whether a bus can be trusted to deliver: its connection is up AND its own beats keep coming
 * back through the listener. A connection that died without closing (a half-open socket, a
 * subscription the server dropped) stops the beats, so the bus stops being live within
 * `staleAfterMs`; when they come back, `onRecovered` announces what may have been missed.
 */
export function createLiveness(opts: LivenessOptions): Liveness {
  const intervalMs = opts.intervalMs ?? 250;
  const staleAfterMs = opts.staleAfterMs ?? 1_000;
  const now = opts.now ?? Date.now;
  let connected = false;
  let lastHeard = 0;
  let stale = false;
  const checkStale = () => {
    if (connected && !stale && now() - lastHeard > staleAfterMs) stale = true;
  };
  const timer = setInterval(() => {
    checkStale();
    if (connected) opts.beat();
  }, intervalMs);
  timer.unref();
  return {
    listening() {
      connected = true;
      stale = false;
      lastHeard = now();
    },
    lost() {
      connected = false;
    },
    heard() {
      lastHeard = now();
      if (stale) {
        stale = false;
        opts.onRecovered();
      }
    },
    live() {
      checkStale();
      return connected && !stale;
    },
    stop() {
      clearInterval(timer);
    },
  };
}

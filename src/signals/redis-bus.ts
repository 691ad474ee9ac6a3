import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createListenerSet, toWire } from './listeners.js';
import { createLiveness } from './liveness.js';
import type { SignalBus } from './ports.js';

export interface RedisBusOptions {
  url: string;
  /** Channel name prefix: deployments (and test runs) sharing one Redis do not hear each other. */
  channelPrefix: string;
  /** CLIENT SETNAME of both connections (lets an operator, or a test, find them in CLIENT LIST). */
  connectionName?: string;
  log?: { warn(obj: object, msg: string): void };
}

/** QUIT (sends what is queued first), but never waits long for a server that is gone. */
async function quitSoon(c: Redis): Promise<void> {
  const timer = new Promise<void>((r) => setTimeout(r, 1_000).unref());
  await Promise.race([
    c.quit().then(
      () => {},
      () => {},
    ),
    timer,
  ]);
  c.disconnect();
}

/**
 * Redis pub/sub: one connection publishes (commands issued while it is down wait in ioredis's
 * offline queue and go when it is back), one listens. ioredis reconnects by itself; the listener
 * subscribes again on every `ready`, and each time it does, the messages it may have missed are
 * announced as a gap. Its own beats, sent on a channel of its own, prove the subscription works
 * (src/signals/liveness.ts).
 */
export function createRedisBus(opts: RedisBusOptions): SignalBus {
  const channel = `${opts.channelPrefix}signals`;
  const beatChannel = `${opts.channelPrefix}beat.${randomBytes(4).toString('hex')}`;
  const listeners = createListenerSet((err) => opts.log?.warn({ err }, 'a signal listener failed'));
  const connection = {
    connectionName: opts.connectionName,
    retryStrategy: (times: number) => Math.min(100 * times, 2_000),
  };
  const pub = new Redis(opts.url, { ...connection, maxRetriesPerRequest: 20 });
  const sub = new Redis(opts.url, { ...connection, autoResubscribe: false, autoResendUnfulfilledCommands: false, maxRetriesPerRequest: 1 });
  let closed = false;
  const liveness = createLiveness({
    beat: () => {
      pub.publish(beatChannel, '1').catch(() => {});
    },
    onRecovered: () => {
      opts.log?.warn({}, 'the signal bus hears itself again after a silence: caches drop what they kept');
      listeners.gap();
    },
  });
  let subscribedOnce!: () => void;
  let failedFirst!: (err: Error) => void;
  const first = new Promise<void>((resolve, reject) => {
    subscribedOnce = resolve;
    failedFirst = reject;
  });
  first.catch(() => {});
  let everListened = false;

  pub.on('error', () => {}); // reconnects; a publish that cannot wait any longer is logged where it is sent
  sub.on('error', (err: Error) => {
    if (!everListened) failedFirst(err);
  });
  sub.on('close', () => {
    if (liveness.live() && !closed) opts.log?.warn({}, 'the signal bus lost its connection: changes by other processes are polled for until it is back');
    liveness.lost();
  });
  sub.on('ready', () => {
    sub.subscribe(channel, beatChannel).then(
      () => {
        if (closed) return;
        liveness.listening();
        everListened = true;
        listeners.gap();
        subscribedOnce();
      },
      (err: Error) => opts.log?.warn({ err }, 'cannot subscribe to the signal channel'),
    );
  });
  sub.on('message', (ch: string, message: string) => {
    if (ch === channel) listeners.dispatchWire(message);
    else if (ch === beatChannel) liveness.heard();
  });

  return {
    publish(type, payload) {
      if (closed) return;
      pub.publish(channel, toWire(type, payload)).catch((err: Error) => opts.log?.warn({ err, type }, 'a signal was not sent'));
    },
    subscribe: (type, listener) => listeners.subscribe(type, listener),
    onGap: (listener) => listeners.onGap(listener),
    live: () => !closed && liveness.live(),
    ready: () => first,
    async close() {
      closed = true;
      liveness.stop();
      await Promise.all([quitSoon(sub), quitSoon(pub)]);
    },
  };
}

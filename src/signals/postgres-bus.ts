import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createListenerSet, toWire } from './listeners.js';
import { createLiveness } from './liveness.js';
import type { SignalBus } from './ports.js';

export interface PostgresBusOptions {
  url: string;
  /** Channel name prefix (letters, digits, `_`): deployments sharing one database do not hear each other. */
  channelPrefix: string;
  /** application_name of the listening connection (lets an operator, or a test, find it in pg_stat_activity). */
  applicationName?: string;
  /** Wait before listening again after the connection was lost. */
  reconnectMs?: number;
  log?: { warn(obj: object, msg: string): void };
}

/**
 * PostgreSQL LISTEN/NOTIFY, for deployments without Redis: one dedicated connection listens
 * (NOTIFY is delivered to sessions, so a pooled one cannot), one pooled connection sends `pg_notify` (one, so a publisher's messages keep their order).
 * When the listening connection is lost, a new one listens after `reconnectMs`, and what may
 * have been missed meanwhile is announced as a gap. Its own beats, on a channel of its own, prove
 * the session still listens (src/signals/liveness.ts).
 */
export function createPostgresBus(opts: PostgresBusOptions): SignalBus {
  const channel = `${opts.channelPrefix}signals`;
  const beatChannel = `${opts.channelPrefix}beat.${randomBytes(4).toString('hex')}`;
  const listeners = createListenerSet((err) => opts.log?.warn({ err }, 'a signal listener failed'));
  const reconnectMs = opts.reconnectMs ?? 500;
  const pool = new pg.Pool({ connectionString: opts.url, max: 1, application_name: opts.applicationName });
  pool.on('error', () => {});
  let client: pg.Client | null = null;
  let closed = false;
  const liveness = createLiveness({
    beat: () => {
      pool.query('select pg_notify($1, $2)', [beatChannel, '']).catch(() => {});
    },
    onRecovered: () => {
      opts.log?.warn({}, 'the signal bus hears itself again after a silence: caches drop what they kept');
      listeners.gap();
    },
  });
  let retry: NodeJS.Timeout | null = null;

  const lost = (c: pg.Client) => {
    if (client !== c) return;
    if (liveness.live() && !closed) opts.log?.warn({}, 'the signal bus lost its connection: changes by other processes are polled for until it is back');
    client = null;
    liveness.lost();
    c.end().catch(() => {});
    if (!closed) {
      retry = setTimeout(() => {
        retry = null;
        listen().catch(() => {});
      }, reconnectMs);
      retry.unref();
    }
  };

  async function listen(): Promise<void> {
    const c = new pg.Client({ connectionString: opts.url, application_name: opts.applicationName });
    client = c;
    c.on('error', () => lost(c));
    c.on('end', () => lost(c));
    c.on('notification', (n) => {
      if (n.channel === channel && n.payload !== undefined) listeners.dispatchWire(n.payload);
      else if (n.channel === beatChannel) liveness.heard();
    });
    try {
      await c.connect();
      await c.query(`LISTEN "${channel}"; LISTEN "${beatChannel}"`);
    } catch (err) {
      opts.log?.warn({ err }, 'cannot listen to the signal channel');
      lost(c);
      throw err;
    }
    if (closed || client !== c) return;
    liveness.listening();
    listeners.gap();
  }

  const first = listen();
  first.catch(() => {});

  return {
    publish(type, payload) {
      if (closed) return;
      pool.query('select pg_notify($1, $2)', [channel, toWire(type, payload)]).catch((err: Error) => opts.log?.warn({ err, type }, 'a signal was not sent'));
    },
    subscribe: (type, listener) => listeners.subscribe(type, listener),
    onGap: (listener) => listeners.onGap(listener),
    live: () => !closed && liveness.live(),
    ready: () => first,
    async close() {
      closed = true;
      liveness.stop();
      if (retry) clearTimeout(retry);
      const c = client;
      client = null;
      await Promise.allSettled([c?.end(), pool.end()]);
    },
  };
}

import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import type { DeliveryQueue, WebhookDeliveryPayload } from '../../src/webhooks/delivery-queue.js';
import type { WebhookEvent } from '../../src/webhooks/event.js';

export const SECRET = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
export const OTHER_SECRET = `whsec_${Buffer.from('fedcba9876543210fedcba9876543210').toString('base64')}`;

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  /** The verified, parsed body; null when verification failed (the receiver then answered 400). */
  event: WebhookEvent | null;
  error: string | null;
}

/** What the receiver does with the n-th (0-based) verified delivery. */
export type Behavior = (n: number, res: ServerResponse) => void;

/**
 * A real receiver on 127.0.0.1: every request is checked with standardwebhooks' Webhook.verify and
 * the same secret; unverifiable ones get 400, verified ones get what `behavior` answers.
 */
export async function startReceiver(secret: string, behavior: Behavior = (_n, res) => res.end('ok')) {
  const received: Received[] = [];
  const wh = new Webhook(secret);
  let verifiedCount = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      try {
        const event = wh.verify(body, headers) as WebhookEvent;
        received.push({ headers: req.headers, body, event, error: null });
      } catch (err) {
        received.push({ headers: req.headers, body, event: null, error: (err as Error).message });
        res.statusCode = 400;
        res.end('bad signature');
        return;
      }
      behavior(verifiedCount++, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    verified: () => received.filter((r) => r.event !== null),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export const status =
  (code: number, body = '') =>
  (res: ServerResponse) => {
    res.statusCode = code;
    res.end(body);
  };

/** A port nothing listens on (bound, then released). */
export async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface Scheduled {
  id: string;
  payload: WebhookDeliveryPayload;
  runAfter: number | undefined;
  enqueuedAt: number;
}

/** An in-memory DeliveryQueue with the durable one's rules: idempotent ids, runAfter ordering. */
export class MemoryDeliveryQueue implements DeliveryQueue {
  readonly all: Scheduled[] = [];
  private pending: Scheduled[] = [];
  constructor(private readonly clock: () => number = Date.now) {}

  async enqueue(payload: WebhookDeliveryPayload, opts: { id: string; runAfter?: number }): Promise<void> {
    if (this.all.some((s) => s.id === opts.id)) return;
    const s = { id: opts.id, payload, runAfter: opts.runAfter, enqueuedAt: this.clock() };
    this.all.push(s);
    this.pending.push(s);
  }

  /** Takes the item due first (regardless of the clock: the test jumps the clock to it). */
  take(): Scheduled | undefined {
    this.pending.sort((a, b) => (a.runAfter ?? 0) - (b.runAfter ?? 0));
    return this.pending.shift();
  }

  get size(): number {
    return this.pending.length;
  }
}

export function fakeClock(start = Date.now()) {
  let t = start;
  return {
    now: () => t,
    set: (v: number) => {
      t = Math.max(t, v);
    },
  };
}

export function memoryLog() {
  const lines: { level: string; obj: object; msg: string }[] = [];
  const at = (level: string) => (obj: object, msg: string) => {
    lines.push({ level, obj, msg });
  };
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

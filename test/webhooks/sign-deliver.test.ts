import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_WEBHOOK_ATTEMPTS, MAX_WEBHOOK_DELAY_MS, nextDelayMs, WEBHOOK_BACKOFF_MS } from '../../src/webhooks/backoff.js';
import { deliverWebhook, parseRetryAfter } from '../../src/webhooks/deliver.js';
import { buildEvent, WEBHOOK_EVENT_TYPES } from '../../src/webhooks/event.js';
import { signWebhook } from '../../src/webhooks/sign.js';
import { deadPort, OTHER_SECRET, SECRET, startReceiver, status } from './support.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});
async function receiver(...args: Parameters<typeof startReceiver>) {
  const r = await startReceiver(...args);
  closers.push(r.close);
  return r;
}

describe('buildEvent', () => {
  it('has the contract shape', () => {
    const e = buildEvent('video.completed', 'video_123', new Date('2025-01-02T03:04:05.678Z'));
    expect(e).toEqual({
      id: expect.stringMatching(/^evt_[0-9a-f]{32}$/),
      object: 'event',
      created_at: Date.parse('2025-01-02T03:04:05Z') / 1000,
      type: 'video.completed',
      data: { id: 'video_123' },
    });
    expect(buildEvent('video.completed', 'video_123').id).not.toBe(e.id);
    expect(WEBHOOK_EVENT_TYPES).toEqual(['video.completed', 'video.failed', 'character.completed', 'character.failed']);
  });
});

describe('signWebhook', () => {
  it('verifies with standardwebhooks, and only with the same secret and body', () => {
    const event = buildEvent('character.completed', 'ch_1');
    const signed = signWebhook(SECRET, event);
    expect(signed.headers['webhook-id']).toBe(event.id);
    expect(signed.headers['content-type']).toBe('application/json');
    expect(Number(signed.headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -1);
    expect(new Webhook(SECRET).verify(signed.body, signed.headers)).toEqual(event);
    expect(() => new Webhook(OTHER_SECRET).verify(signed.body, signed.headers)).toThrow();
    const tampered = signed.body.replace('ch_1', 'ch_2');
    expect(() => new Webhook(SECRET).verify(tampered, signed.headers)).toThrow();
  });

  it('keeps the id across attempts and stamps each attempt with its own time', () => {
    const event = buildEvent('video.failed', 'video_1');
    const a = signWebhook(SECRET, event, new Date(1_700_000_000_000));
    const b = signWebhook(SECRET, event, new Date(1_700_000_030_500));
    expect(a.headers['webhook-id']).toBe(b.headers['webhook-id']);
    expect(a.headers['webhook-timestamp']).toBe('1700000000');
    expect(b.headers['webhook-timestamp']).toBe('1700000030');
    expect(a.headers['webhook-signature']).not.toBe(b.headers['webhook-signature']);
  });
});

describe('deliverWebhook against a real receiver', () => {
  it('delivers a verified event with the payload shape', async () => {
    const r = await receiver(SECRET);
    const event = buildEvent('video.completed', 'video_abc');
    expect(await deliverWebhook(r.url, SECRET, event)).toEqual({ ok: true, status: 200 });
    expect(r.received).toHaveLength(1);
    const got = r.received[0]!;
    expect(got.error).toBeNull();
    expect(got.event).toEqual(event);
    expect(JSON.parse(got.body)).toEqual({
      id: event.id,
      object: 'event',
      created_at: event.created_at,
      type: 'video.completed',
      data: { id: 'video_abc' },
    });
    expect(got.headers['webhook-id']).toBe(event.id);
    expect(got.headers['content-type']).toBe('application/json');
  });

  it('the receiver rejects tampered bodies and wrong secrets', async () => {
    const r = await receiver(SECRET);
    const event = buildEvent('video.completed', 'video_abc');
    const signed = signWebhook(SECRET, event);
    const res = await fetch(r.url, {
      method: 'POST',
      headers: signed.headers,
      body: signed.body.replace('video_abc', 'video_evil'),
    });
    expect(res.status).toBe(400);
    await res.text();
    const wrong = await deliverWebhook(r.url, OTHER_SECRET, event);
    expect(wrong).toMatchObject({ ok: false, retryable: true, status: 400 });
    expect(r.verified()).toHaveLength(0);
    expect(r.received.map((x) => x.error)).toEqual([expect.stringMatching(/signature/i), expect.stringMatching(/signature/i)]);
  });

  it('410 Gone is not retryable; 4xx and 5xx are', async () => {
    const codes = [410, 500, 503, 404, 429, 302];
    const r = await receiver(SECRET, (n, res) => status(codes[n]!, 'nope')(res));
    const out = [];
    for (const _ of codes) out.push(await deliverWebhook(r.url, SECRET, buildEvent('video.failed', 'v')));
    expect(out.map((o) => (o.ok ? 'ok' : o.retryable))).toEqual([false, true, true, true, true, true]);
    expect(out[0]).toMatchObject({ reason: 'HTTP 410: nope', status: 410 });
    expect(out[5]).toMatchObject({ reason: expect.stringContaining('redirects are not followed') });
  });

  it('a receiver that never answers times out, without throwing', async () => {
    const r = await receiver(SECRET, () => {});
    const t0 = Date.now();
    const out = await deliverWebhook(r.url, SECRET, buildEvent('video.failed', 'v'), { timeoutMs: 300 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(out).toEqual({ ok: false, retryable: true, reason: 'timed out after 300 ms' });
    expect(r.verified()).toHaveLength(1);
  });

  it('a dead port (connection refused) is retryable, without throwing', async () => {
    const port = await deadPort();
    const out = await deliverWebhook(`http://127.0.0.1:${port}/x`, SECRET, buildEvent('video.failed', 'v'));
    expect(out).toMatchObject({ ok: false, retryable: true, reason: expect.stringContaining('ECONNREFUSED') });
  });

  it('a 2xx counts at once, even when its body never ends', async () => {
    const r = await receiver(SECRET, (_n, res) => {
      res.writeHead(200);
      res.write('partial');
    });
    const out = await deliverWebhook(r.url, SECRET, buildEvent('video.failed', 'v'), { timeoutMs: 2000 });
    expect(out).toEqual({ ok: true, status: 200 });
  });

  it('reads no more than a small bound of an error body', async () => {
    const r = await receiver(SECRET, (_n, res) => {
      res.writeHead(500);
      res.end('x'.repeat(5 * 1024 * 1024));
    });
    const out = await deliverWebhook(r.url, SECRET, buildEvent('video.failed', 'v'));
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.reason.length).toBeLessThan(220);
  });

  it('passes on Retry-After', async () => {
    const r = await receiver(SECRET, (_n, res) => {
      res.writeHead(429, { 'retry-after': '120' });
      res.end();
    });
    const out = await deliverWebhook(r.url, SECRET, buildEvent('video.failed', 'v'));
    expect(out).toMatchObject({ ok: false, retryable: true, status: 429, retryAfterMs: 120_000 });
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('a bad url is not retryable; an outside abort is reported', async () => {
    expect(await deliverWebhook('ftp://x', SECRET, buildEvent('video.failed', 'v'))).toMatchObject({ retryable: false });
    const s = createServer(() => {});
    await new Promise<void>((res) => s.listen(0, '127.0.0.1', res));
    closers.push(async () => {
      s.closeAllConnections();
      await new Promise<void>((res) => s.close(() => res()));
    });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const out = await deliverWebhook(`http://127.0.0.1:${(s.address() as AddressInfo).port}/`, SECRET, buildEvent('video.failed', 'v'), { signal: ac.signal });
    expect(out).toEqual({ ok: false, retryable: true, reason: 'aborted' });
  });
});

describe('backoff', () => {
  it('grows, jitters within ±20 % and is capped', () => {
    expect(WEBHOOK_BACKOFF_MS.slice(0, 6)).toEqual([5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000]);
    for (let a = 1; a < MAX_WEBHOOK_ATTEMPTS; a++) {
      const base = WEBHOOK_BACKOFF_MS[a - 1]!;
      expect(nextDelayMs(a, () => 0)).toBe(Math.round(base * 0.8));
      expect(nextDelayMs(a, () => 0.5)).toBe(base);
      expect(nextDelayMs(a, () => 0.999999)).toBeLessThanOrEqual(Math.min(base * 1.2, MAX_WEBHOOK_DELAY_MS));
      if (a > 1) expect(nextDelayMs(a, () => 0.5)).toBeGreaterThanOrEqual(nextDelayMs(a - 1, () => 0.5));
    }
    expect(nextDelayMs(1000)).toBeLessThanOrEqual(MAX_WEBHOOK_DELAY_MS);
    const total = WEBHOOK_BACKOFF_MS.reduce((s, d) => s + d, 0);
    expect(total / 3_600_000).toBeGreaterThan(20);
    expect(total / 3_600_000).toBeLessThan(26);
  });
});

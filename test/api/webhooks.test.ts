import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFileServer } from '../support/file-server.js';
import { type Harness, startHarness } from '../support/harness.js';
import { makeHtml, makeVideo } from '../support/videos.js';

/** Signed events reach a real receiver when characters and videos settle. */
describe('webhooks from the service', () => {
  const secret = `whsec_${randomBytes(24).toString('base64')}`;
  const events: Array<{ type: string; data: { id: string }; id: string; object: string; created_at: number }> = [];
  let receiver: Server;
  let h: Harness;
  let files: Awaited<ReturnType<typeof startFileServer>>;

  beforeAll(async () => {
    const verifier = new Webhook(secret);
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        try {
          events.push(verifier.verify(body, req.headers as Record<string, string>) as (typeof events)[number]);
          res.writeHead(204).end();
        } catch {
          res.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    files = await startFileServer({
      'v.mp4': { path: await makeVideo({ durationSec: 2 }), type: 'video/mp4' },
      'page.html': { path: await makeHtml(), type: 'text/html' },
    });
    h = await startHarness({ WEBHOOK_URL: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`, WEBHOOK_SECRET: secret });
  });
  afterAll(async () => {
    await h?.close();
    await files?.close();
    receiver?.close();
  });

  const until = async (cond: () => boolean) => {
    for (let i = 0; i < 300 && !cond(); i++) await new Promise((r) => setTimeout(r, 50));
    expect(cond()).toBe(true);
  };

  it('character.completed, character.failed, video.completed: verified Standard Webhooks with the event payload', async () => {
    const ok = (
      await h.app.inject({ method: 'POST', url: '/sora/v1/characters', headers: h.alice, payload: { url: files.url('v.mp4'), timestamps: '0,1' } })
    ).json();
    const bad = await h.app.inject({
      method: 'POST',
      url: '/sora/v1/characters',
      headers: { ...h.alice, prefer: 'respond-async' },
      payload: { url: files.url('page.html'), timestamps: '0,1' },
    });
    const video = (await h.app.inject({ method: 'POST', url: '/v1/videos', headers: h.alice, payload: { prompt: `@${ok.username} smiles` } })).json();
    await until(() => events.length >= 3);
    const byType = Object.fromEntries(events.map((e) => [e.type, e]));
    expect(byType['character.completed'].data).toEqual({ id: ok.id });
    expect(byType['character.failed'].data).toEqual({ id: bad.json().id });
    expect(byType['video.completed'].data).toEqual({ id: video.id });
    for (const e of events) {
      expect(e.id).toMatch(/^evt_[0-9a-f]{32}$/);
      expect(e.object).toBe('event');
      expect(typeof e.created_at).toBe('number');
    }
  });
});

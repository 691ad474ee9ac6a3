import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { type HeldConnection, holdConnection, parseRawResponse, rawExchange } from './support/raw-http.js';

/**
 * Slow and many connections, on real loopback sockets: a client that never finishes its headers
 * or its body is cut after its timeout, a synchronous create that waits is not, connections past
 * MAX_CONNECTIONS are closed unanswered while the open ones are served, idle keep-alive ends.
 */
describe('slow and many connections', () => {
  let h: Harness | undefined;
  const closers: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
    await h?.close();
    h = undefined;
  });

  async function listen(env: Record<string, string>): Promise<number> {
    h = await startHarness(env);
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    return (h.app.server.address() as AddressInfo).port;
  }

  const expectEnvelope = (received: string, status: number, code: string) => {
    const answer = parseRawResponse(received);
    expect(answer, `raw answer: ${JSON.stringify(received)}`).not.toBeNull();
    expect(answer!.status).toBe(status);
    expect(JSON.parse(answer!.body).error).toMatchObject({ code, type: 'invalid_request_error', param: null, message: expect.any(String) });
    expect(answer!.headers['x-content-type-options']).toBe('nosniff');
  };

  it('a slowloris client (headers one byte at a time, never finished) is cut after HEADERS_TIMEOUT_MS: 408 request_timeout', async () => {
    const port = await listen({ HEADERS_TIMEOUT_MS: '500', REQUEST_TIMEOUT_MS: '5000' });
    const head = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ';
    const chunks = [...head, ...'a'.repeat(400)];
    const r = await rawExchange(port, chunks, { gapMs: 20, giveUpMs: 6_000 });
    expect(r.closedByServer, `still open after ${r.elapsedMs} ms`).toBe(true);
    expect(r.elapsedMs).toBeGreaterThanOrEqual(450);
    expect(r.elapsedMs).toBeLessThan(2_500);
    expectEnvelope(r.received, 408, 'request_timeout');
  });

  it('a body that trickles is cut after REQUEST_TIMEOUT_MS: 408 request_timeout', async () => {
    const port = await listen({ HEADERS_TIMEOUT_MS: '500', REQUEST_TIMEOUT_MS: '1500' });
    const head = [
      'POST /sora/v1/characters HTTP/1.1',
      'Host: 127.0.0.1',
      'Authorization: Bearer sk-alice-test-key',
      'Content-Type: application/json',
      'Content-Length: 1000',
      '',
      '',
    ].join('\r\n');
    const chunks = [head, ...'{"timestamps":"1,3","url":"http://127.0.0.1/', ...'a'.repeat(500)];
    const r = await rawExchange(port, chunks, { gapMs: 20, giveUpMs: 8_000 });
    expect(r.closedByServer, `still open after ${r.elapsedMs} ms`).toBe(true);
    expect(r.elapsedMs).toBeGreaterThanOrEqual(1_400);
    expect(r.elapsedMs).toBeLessThan(4_000);
    expectEnvelope(r.received, 408, 'request_timeout');
  });

  it('REQUEST_TIMEOUT_MS counts receiving the request, not answering it: a synchronous create waits past it', async () => {
    // An origin that sends its headers and a few bytes, then holds: the job stays in its download.
    const held = new Set<import('node:http').ServerResponse>();
    const origin: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': 100_000 });
      res.write(Buffer.alloc(64));
      held.add(res);
    });
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    closers.push(
      () =>
        new Promise<void>((r) => {
          for (const res of held) res.destroy();
          origin.closeAllConnections();
          origin.close(() => r());
        }),
    );
    const port = await listen({ HEADERS_TIMEOUT_MS: '300', REQUEST_TIMEOUT_MS: '600', SYNC_WAIT_MS: '2000' });
    const started = Date.now();
    const res = await fetch(`http://127.0.0.1:${port}/sora/v1/characters`, {
      method: 'POST',
      headers: { ...h!.alice, 'content-type': 'application/json' },
      body: JSON.stringify({ url: `http://127.0.0.1:${(origin.address() as AddressInfo).port}/v.mp4`, timestamps: '1,3' }),
      signal: AbortSignal.timeout(10_000),
    });
    const waited = Date.now() - started;
    expect(res.status, await res.clone().text()).toBe(202);
    expect((await res.json()).status).toBe('processing');
    expect(waited).toBeGreaterThanOrEqual(1_900);
  });

  it('connections past MAX_CONNECTIONS are closed unanswered, while the open ones keep being served', async () => {
    const port = await listen({ MAX_CONNECTIONS: '3' });
    const ping = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
    const open: HeldConnection[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await holdConnection(port);
      closers.push(() => void c.socket.destroy());
      expect(parseRawResponse(await c.request(ping))?.status).toBe(200);
      open.push(c);
    }
    for (let i = 0; i < 3; i++) {
      const refused = await rawExchange(port, [ping], { giveUpMs: 3_000 });
      expect(refused.closedByServer).toBe(true);
      expect(refused.received).toBe('');
    }
    for (const c of open) expect(parseRawResponse(await c.request(ping))?.status).toBe(200);
    // A slot freed is a slot usable again.
    open[0].socket.destroy();
    await open[0].closed(1_000);
    let answered = '';
    for (let attempt = 0; attempt < 20 && !answered; attempt++) {
      answered = (await rawExchange(port, ['GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'], { giveUpMs: 3_000 })).received;
      if (!answered) await new Promise((r) => setTimeout(r, 50));
    }
    expect(parseRawResponse(answered)?.status).toBe(200);
  });

  it('an idle keep-alive connection is closed after KEEP_ALIVE_TIMEOUT_MS', async () => {
    const port = await listen({ KEEP_ALIVE_TIMEOUT_MS: '300' });
    const c = await holdConnection(port);
    closers.push(() => void c.socket.destroy());
    const answer = parseRawResponse(await c.request('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
    expect(answer?.headers['keep-alive']).toMatch(/^timeout=\d+/);
    const started = Date.now();
    expect(await c.closed(5_000)).toBe(true);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('a connection serves at most MAX_REQUESTS_PER_SOCKET requests: the last answer says close', async () => {
    // Node leaves the socket to the keep-alive timer after the last answer: a short one ends the test soon.
    const port = await listen({ MAX_REQUESTS_PER_SOCKET: '2', KEEP_ALIVE_TIMEOUT_MS: '300' });
    const c = await holdConnection(port);
    closers.push(() => void c.socket.destroy());
    const ping = 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
    const first = parseRawResponse(await c.request(ping));
    expect(first?.headers.connection).toBe('keep-alive');
    expect(first?.headers['keep-alive']).toMatch(/max=2\b/);
    const last = parseRawResponse(await c.request(ping));
    expect(last?.status).toBe(200);
    expect(last?.headers.connection).toBe('close');
    expect(await c.closed(3_000)).toBe(true);
  });
});

import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { parseRawResponse, rawExchange } from './support/raw-http.js';

/**
 * Every refusal is in the OpenAI envelope, also those made before a route runs: a URL that cannot
 * be decoded, a URL or path segment too long, headers past Node's 16 KiB, what Node's parser
 * refuses, and methods or paths no route has. Sent on real loopback sockets, read byte for byte.
 */
describe('error envelopes before routing', () => {
  let h: Harness;
  let port: number;
  beforeAll(async () => {
    h = await startHarness();
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    port = (h.app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await h?.close();
  });

  async function send(request: string | Buffer) {
    const r = await rawExchange(port, [request], { giveUpMs: 5_000 });
    const answer = parseRawResponse(r.received);
    expect(answer, `raw answer: ${JSON.stringify(r.received.slice(0, 500))}`).not.toBeNull();
    return answer!;
  }

  function expectEnvelope(answer: NonNullable<ReturnType<typeof parseRawResponse>>, status: number, code: string, type = 'invalid_request_error') {
    expect(answer.status, answer.body).toBe(status);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(answer.body);
    expect(Object.keys(body)).toEqual(['error']);
    expect(body.error).toEqual({ message: expect.any(String), type, param: null, code });
  }

  const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}Connection: close\r\n\r\n`;

  it('400 malformed_request for a URL whose percent-encoding cannot be decoded', async () => {
    for (const path of ['/%E0%A4%A', '/sora/v1/characters/%E0%A4%A', '/profile/%FF', '/files/%C0']) {
      expectEnvelope(await send(get(path, 'Authorization: Bearer sk-alice-test-key\r\n')), 400, 'malformed_request');
    }
  });

  it('414 url_too_long for a path segment past 100 characters, and for a URL past 8 KiB', async () => {
    expectEnvelope(await send(get(`/sora/v1/characters/${'a'.repeat(101)}`, 'Authorization: Bearer sk-alice-test-key\r\n')), 414, 'url_too_long');
    expectEnvelope(await send(get(`/profile/${'a'.repeat(200)}`)), 414, 'url_too_long');
    expectEnvelope(await send(get(`/healthz?q=${'a'.repeat(9 * 1024)}`)), 414, 'url_too_long');
    expectEnvelope(await send(get(`/no/such/${'a'.repeat(50)}/${'b'.repeat(9 * 1024)}`)), 414, 'url_too_long');
  });

  it("414 url_too_long when the request line alone passes Node's 16 KiB; 431 headers_too_large when headers do", async () => {
    expectEnvelope(await send(get(`/healthz?q=${'a'.repeat(20 * 1024)}`)), 414, 'url_too_long');
    expectEnvelope(await send(get('/healthz', `X-Big: ${'a'.repeat(20 * 1024)}\r\n`)), 431, 'headers_too_large');
    const many = Array.from({ length: 400 }, (_, i) => `X-H${i}: ${'v'.repeat(40)}\r\n`).join('');
    expectEnvelope(await send(get('/healthz', many)), 431, 'headers_too_large');
  });

  it("400 malformed_request for what Node's parser refuses", async () => {
    for (const request of [
      'FOO / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
      'GET / HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n',
      'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n',
      'POST /sora/v1/characters HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n',
    ]) {
      expectEnvelope(await send(request), 400, 'malformed_request');
    }
  });

  it('404 not_found for methods and paths no route has', async () => {
    for (const [method, path] of [
      ['PUT', '/sora/v1/characters'],
      ['DELETE', '/healthz'],
      ['POST', '/profile/x.y'],
      ['PATCH', '/v1/videos'],
      ['OPTIONS', '/v1/videos'],
      ['PROPFIND', '/'],
      ['TRACE', '/'],
      ['GET', '/nope'],
      ['POST', '/files/a'],
    ]) {
      const answer = await send(
        `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer sk-alice-test-key\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
      );
      expectEnvelope(answer, 404, 'not_found', 'not_found_error');
    }
  });

  it('an Expect other than 100-continue is ignored: the request gets its normal answer, not a bodiless 417', async () => {
    const answer = await send(get('/healthz', 'Expect: something-else\r\n'));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ status: 'ok' });
    expectEnvelope(await send(get('/nope', 'Expect: something-else\r\n')), 404, 'not_found', 'not_found_error');
  });
});

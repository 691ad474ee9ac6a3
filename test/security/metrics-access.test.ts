import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { type Harness, startHarness } from '../support/harness.js';

const TOKEN = 'metrics-token-0123456789';

/** /metrics behind METRICS_TOKEN (a bearer token) and/or METRICS_ALLOW (the TCP peer's address). */
describe('GET /metrics access', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  const scrape = (headers: Record<string, string> = {}, remoteAddress?: string) =>
    h!.app.inject({ method: 'GET', url: '/metrics', headers, ...(remoteAddress ? { remoteAddress } : {}) });

  async function scrapeOverLoopback(headers: Record<string, string> = {}) {
    if (!h!.app.server.listening) await h!.app.listen({ port: 0, host: '127.0.0.1' });
    const res = await fetch(`http://127.0.0.1:${(h!.app.server.address() as AddressInfo).port}/metrics`, { headers, signal: AbortSignal.timeout(5_000) });
    return { status: res.status, headers: res.headers, body: await res.text() };
  }

  function expectRefused(res: { statusCode: number; json(): any }, status: number, code: string) {
    expect(res.statusCode).toBe(status);
    expect(res.json().error).toMatchObject({ code, param: null, type: status === 401 ? 'authentication_error' : 'permission_error' });
  }

  it('open when neither is set (as before)', async () => {
    h = await startHarness();
    const res = await scrape();
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('sora_characters_queue_depth');
  });

  it('METRICS_TOKEN: 401 invalid_api_key without it, with another one or with an API key; 200 with it', async () => {
    h = await startHarness({ METRICS_TOKEN: TOKEN });
    for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789' }, h.alice, { authorization: TOKEN }, { authorization: `Basic ${TOKEN}` }]) {
      const res = await scrape(headers);
      expectRefused(res, 401, 'invalid_api_key');
      expect(res.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      expect(res.body).not.toContain('sora_characters');
    }
    const ok = await scrape({ authorization: `Bearer ${TOKEN}` });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('sora_characters_queue_depth');
  });

  it('METRICS_ALLOW: 403 client_not_allowed from an address outside it, over a real socket, X-Forwarded-For or not', async () => {
    h = await startHarness({ METRICS_ALLOW: '10.0.0.0/8,192.168.1.7' });
    const spoofs: Record<string, string>[] = [{}, { 'x-forwarded-for': '10.1.2.3' }, { 'x-forwarded-for': '192.168.1.7', 'x-real-ip': '10.0.0.1' }];
    for (const headers of spoofs) {
      const res = await scrapeOverLoopback(headers);
      expect(res.status).toBe(403);
      expect(JSON.parse(res.body).error).toMatchObject({ code: 'client_not_allowed', type: 'permission_error', param: null });
    }
  });

  it('METRICS_ALLOW: 200 from an allowed address (loopback over a socket; IPv4, IPv4-mapped IPv6 and IPv6 peers)', async () => {
    h = await startHarness({ METRICS_ALLOW: '127.0.0.1,10.0.0.0/8,fd00::/8' });
    for (const peer of ['10.1.2.3', '::ffff:10.200.0.1', 'fd12::1']) expect((await scrape({}, peer)).statusCode, peer).toBe(200);
    for (const peer of ['11.0.0.1', '::ffff:11.0.0.1', 'fe80::1', '::1']) expectRefused(await scrape({}, peer), 403, 'client_not_allowed');
    expect((await scrapeOverLoopback()).status).toBe(200);
  });

  it('both: the address is checked first (403), then the token (401)', async () => {
    h = await startHarness({ METRICS_ALLOW: '10.0.0.0/8', METRICS_TOKEN: TOKEN });
    expectRefused(await scrape({ authorization: `Bearer ${TOKEN}` }, '11.0.0.1'), 403, 'client_not_allowed');
    expectRefused(await scrape({}, '10.0.0.1'), 401, 'invalid_api_key');
    expect((await scrape({ authorization: `Bearer ${TOKEN}` }, '10.0.0.1')).statusCode).toBe(200);
  });

  it('the other routes do not ask for it', async () => {
    h = await startHarness({ METRICS_ALLOW: '10.0.0.0/8', METRICS_TOKEN: TOKEN });
    expect((await h.app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect((await h.app.inject({ url: '/sora/v1/characters', headers: h.alice })).statusCode).toBe(200);
  });

  it('settings: unset by default; a wrong one stops the start naming it', () => {
    expect(loadConfig({})).toMatchObject({ metricsToken: null, metricsAllow: [] });
    expect(loadConfig({ METRICS_ALLOW: ' 127.0.0.1, 10.0.0.0/8 ,::1,fd00::/8' }).metricsAllow).toEqual(['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8']);
    for (const [env, name] of [
      [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN'],
      [{ METRICS_ALLOW: '127.0.0.1,10.0.0.0/33' }, 'METRICS_ALLOW'],
      [{ METRICS_ALLOW: '127.1' }, 'METRICS_ALLOW'],
      [{ METRICS_ALLOW: 'localhost' }, 'METRICS_ALLOW'],
    ] as const) {
      expect(() => loadConfig(env), name).toThrow(ConfigError);
      expect(() => loadConfig(env), name).toThrow(new RegExp(`^invalid setting ${name}\\b`));
    }
  });
});

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isForbiddenAddress } from '../../src/fetch/address-policy.js';
import type { HostResolver, NetworkOverrides } from '../../src/fetch/download-options.js';
import { downloadToFile } from '../../src/fetch/download-to-file.js';
import { limits, makeTempDir, rejection, serveBytes, startServer, type TestServer } from './http-fixtures.js';

const VIDEO = Buffer.from('not really a video, but bytes all the same\n'.repeat(100));

/** Names only these tests know; nothing here touches real DNS. */
function fakeDns(table: Record<string, string[]>): HostResolver {
  return async (hostname) => {
    const addresses = table[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

/**
 * The strict production policy, except that 127.0.0.2 stands in for a public host: a loopback
 * alias the tests can bind, while 127.0.0.1 and everything else keeps its real verdict.
 */
const pretendPublic = (ip: string): boolean => ip !== '127.0.0.2' && isForbiddenAddress(ip);

let tmp: { dir: string; cleanup: () => Promise<void> };
let n = 0;
const dest = () => path.join(tmp.dir, `download-${++n}.bin`);
const servers: TestServer[] = [];
async function server(...args: Parameters<typeof startServer>): Promise<TestServer> {
  const s = await startServer(...args);
  servers.push(s);
  return s;
}

beforeAll(async () => {
  tmp = await makeTempDir();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await tmp.cleanup();
});

describe('downloadToFile: private addresses', () => {
  const v4Notations = (port: number) => [
    `http://127.0.0.1:${port}/v.mp4`,
    `http://2130706433:${port}/v.mp4`,
    `http://0177.0.0.1:${port}/v.mp4`,
    `http://0x7f.1:${port}/v.mp4`,
    `http://127.1:${port}/v.mp4`,
    `http://[::ffff:127.0.0.1]:${port}/v.mp4`,
    `http://[::ffff:7f00:1]:${port}/v.mp4`,
    `http://localhost:${port}/v.mp4`,
  ];

  it('refuses every notation of loopback before connecting', async () => {
    const v4 = await server(serveBytes(VIDEO), '127.0.0.1');
    const v6 = await server(serveBytes(VIDEO), '::1');
    for (const url of [...v4Notations(v4.port), `http://[::1]:${v6.port}/v.mp4`, `http://[0:0:0:0:0:0:0:1]:${v6.port}/`]) {
      const target = dest();
      const err = await rejection(downloadToFile(url, target, limits()));
      expect(err.code, url).toBe('url_not_allowed');
      expect(err.param).toBe('url');
      expect(existsSync(target)).toBe(false);
    }
    expect(v4.hits).toEqual([]);
    expect(v6.hits).toEqual([]);
  });

  it('reaches them all when allowPrivate is set', async () => {
    const v4 = await server(serveBytes(VIDEO), '127.0.0.1');
    const v6 = await server(serveBytes(VIDEO), '::1');
    const urls = [...v4Notations(v4.port), `http://[::1]:${v6.port}/v.mp4`];
    for (const url of urls) {
      const target = dest();
      const result = await downloadToFile(url, target, limits({ allowPrivate: true }));
      expect(result.bytes, url).toBe(VIDEO.length);
      expect(await readFile(target)).toEqual(VIDEO);
    }
    // localhost may resolve to ::1 first on some machines, so count hits across both servers.
    expect(v4.hits.length + v6.hits.length).toBe(urls.length);
  });

  it('refuses a public-looking name that resolves to loopback', async () => {
    const s = await server(serveBytes(VIDEO));
    const overrides: NetworkOverrides = { resolveHost: fakeDns({ 'evil.example': ['127.0.0.1'] }) };
    const err = await rejection(downloadToFile(`http://evil.example:${s.port}/v.mp4`, dest(), limits(), undefined, overrides));
    expect(err.code).toBe('url_not_allowed');
    expect(s.hits).toEqual([]);
  });

  it('refuses a name when any one of its addresses is private', async () => {
    const s = await server(serveBytes(VIDEO));
    const overrides: NetworkOverrides = { resolveHost: fakeDns({ 'mixed.example': ['93.184.216.34', '127.0.0.1'] }) };
    const err = await rejection(downloadToFile(`http://mixed.example:${s.port}/`, dest(), limits(), undefined, overrides));
    expect(err.code).toBe('url_not_allowed');
    expect(s.hits).toEqual([]);
  });

  it('refuses names resolving to mapped IPv6 loopback and metadata addresses', async () => {
    const overrides: NetworkOverrides = {
      resolveHost: fakeDns({ 'a.example': ['::ffff:127.0.0.1'], 'b.example': ['169.254.169.254'], 'c.example': ['::1'] }),
    };
    for (const host of ['a.example', 'b.example', 'c.example']) {
      const err = await rejection(downloadToFile(`http://${host}:9/`, dest(), limits(), undefined, overrides));
      expect(err.code, host).toBe('url_not_allowed');
    }
  });

  it('connects to the very address it checked, not to a fresh DNS answer', async () => {
    const s = await server(serveBytes(VIDEO), '127.0.0.2');
    let calls = 0;
    const overrides: NetworkOverrides = {
      isForbiddenAddress: pretendPublic,
      // A rebinding name: harmless on the first answer, loopback on every later one.
      resolveHost: async () => [{ address: calls++ === 0 ? '127.0.0.2' : '127.0.0.1', family: 4 }],
    };
    const result = await downloadToFile(`http://rebind.test:${s.port}/v.mp4`, dest(), limits(), undefined, overrides);
    expect(result.bytes).toBe(VIDEO.length);
    expect(s.hits).toEqual(['/v.mp4']);
    expect(calls).toBe(1);
  });
});

describe('downloadToFile: redirects', () => {
  it('re-checks every redirect target and refuses private ones', async () => {
    const inside = await server(serveBytes(VIDEO), '127.0.0.1');
    const targets: Record<string, string> = {
      '/to-literal': `http://127.0.0.1:${inside.port}/secret`,
      '/to-decimal': `http://2130706433:${inside.port}/secret`,
      '/to-localhost': `http://localhost:${inside.port}/secret`,
      '/to-mapped': `http://[::ffff:127.0.0.1]:${inside.port}/secret`,
      '/to-evil-name': `http://evil.example:${inside.port}/secret`,
    };
    const outside = await server((req, res) => {
      res.writeHead(302, { location: targets[req.url ?? ''] });
      res.end();
    }, '127.0.0.2');
    const overrides: NetworkOverrides = {
      isForbiddenAddress: pretendPublic,
      resolveHost: fakeDns({ 'public.test': ['127.0.0.2'], 'evil.example': ['127.0.0.1'] }),
    };
    for (const from of Object.keys(targets)) {
      const target = dest();
      const err = await rejection(downloadToFile(`http://public.test:${outside.port}${from}`, target, limits(), undefined, overrides));
      expect(err.code, from).toBe('url_not_allowed');
      expect(existsSync(target)).toBe(false);
    }
    expect(outside.hits).toEqual(Object.keys(targets));
    expect(inside.hits).toEqual([]);
  });

  it('refuses a redirect to another scheme', async () => {
    const s = await server((_req, res) => {
      res.writeHead(301, { location: 'file:///etc/passwd' });
      res.end();
    });
    const err = await rejection(downloadToFile(`${s.origin}/`, dest(), limits({ allowPrivate: true })));
    expect(err.code).toBe('invalid_url');
  });

  it('follows allowed redirects, resolving relative Locations against the current URL', async () => {
    const final = await server(serveBytes(VIDEO), '127.0.0.2');
    const first = await server((req, res) => {
      if (req.url === '/start') res.writeHead(307, { location: 'next/hop' });
      else res.writeHead(308, { location: `http://public.test:${final.port}/final.mp4` });
      res.end();
    }, '127.0.0.2');
    const overrides: NetworkOverrides = { isForbiddenAddress: pretendPublic, resolveHost: fakeDns({ 'public.test': ['127.0.0.2'] }) };
    const target = dest();
    const result = await downloadToFile(`http://public.test:${first.port}/start`, target, limits(), undefined, overrides);
    expect(first.hits).toEqual(['/start', '/next/hop']);
    expect(final.hits).toEqual(['/final.mp4']);
    expect(result).toEqual({ bytes: VIDEO.length, contentType: 'video/mp4', finalUrl: `http://public.test:${final.port}/final.mp4` });
    expect(await readFile(target)).toEqual(VIDEO);
  });

  async function chainServer(): Promise<TestServer> {
    return server((req, res) => {
      const left = Number(req.url?.split('/').pop());
      if (left > 0) {
        res.writeHead(302, { location: `/hop/${left - 1}` });
        res.end();
      } else {
        serveBytes(VIDEO)(req, res);
      }
    });
  }

  it('follows a chain of exactly maxRedirects', async () => {
    const s = await chainServer();
    const result = await downloadToFile(`${s.origin}/hop/5`, dest(), limits({ allowPrivate: true }));
    expect(result.bytes).toBe(VIDEO.length);
    expect(s.hits).toHaveLength(6);
  });

  it('fails a chain longer than maxRedirects with source_unreachable', async () => {
    const s = await chainServer();
    const target = dest();
    const err = await rejection(downloadToFile(`${s.origin}/hop/6`, target, limits({ allowPrivate: true })));
    expect(err.code).toBe('source_unreachable');
    expect(err.message).toMatch(/redirected more than 5 times/);
    expect(s.hits).toHaveLength(6);
    expect(existsSync(target)).toBe(false);
  });

  it('fails a redirect without a Location', async () => {
    const s = await server((_req, res) => {
      res.writeHead(302);
      res.end();
    });
    const err = await rejection(downloadToFile(`${s.origin}/`, dest(), limits({ allowPrivate: true })));
    expect(err.code).toBe('source_unreachable');
  });
});

describe('downloadToFile: size cap', () => {
  it('refuses at once a Content-Length above maxBytes, without waiting for the body', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-length': 50 * 1024 * 1024, 'content-type': 'video/mp4' });
      res.write(Buffer.alloc(1024));
      // ...and then stalls: a download that waited for the body would hit the timeout.
    });
    const target = dest();
    const started = Date.now();
    const err = await rejection(downloadToFile(`${s.origin}/big.mp4`, target, limits({ allowPrivate: true, timeoutMs: 10_000 })));
    expect(err.code).toBe('source_too_large');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(existsSync(target)).toBe(false);
  });

  it('stops a chunked body the moment it passes maxBytes and removes the partial file', async () => {
    let sent = 0;
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4' });
      // An endless body: only the cap can end this download.
      const timer = setInterval(() => {
        if (res.destroyed) return clearInterval(timer);
        res.write(Buffer.alloc(16 * 1024, 1));
        sent += 16 * 1024;
      }, 1);
      res.on('close', () => clearInterval(timer));
    });
    const target = dest();
    const err = await rejection(downloadToFile(`${s.origin}/endless`, target, limits({ allowPrivate: true, maxBytes: 200 * 1024 })));
    expect(err.code).toBe('source_too_large');
    expect(err.param).toBe('url');
    expect(existsSync(target)).toBe(false);
    expect(sent).toBeLessThan(20 * 1024 * 1024);
  });

  it('accepts a body of exactly maxBytes, with and without Content-Length', async () => {
    const body = Buffer.alloc(64 * 1024, 7);
    const withLength = await server(serveBytes(body));
    const chunked = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'video/webm' });
      res.write(body.subarray(0, 1000));
      res.end(body.subarray(1000));
    });
    const a = await downloadToFile(`${withLength.origin}/`, dest(), limits({ allowPrivate: true, maxBytes: body.length }));
    const target = dest();
    const b = await downloadToFile(`${chunked.origin}/`, target, limits({ allowPrivate: true, maxBytes: body.length }));
    expect(a.bytes).toBe(body.length);
    expect(b).toMatchObject({ bytes: body.length, contentType: 'video/webm' });
    expect(await readFile(target)).toEqual(body);
  });
});

describe('downloadToFile: failures', () => {
  it('times out on a server that never answers', async () => {
    const s = await server(() => {});
    const err = await rejection(downloadToFile(`${s.origin}/`, dest(), limits({ allowPrivate: true, timeoutMs: 300 })));
    expect(err.code).toBe('source_timeout');
    expect(err.param).toBe('url');
  });

  it('times out on a body that stalls, and removes the partial file', async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': 100_000 });
      res.write(Buffer.alloc(10_000));
    });
    const target = dest();
    const err = await rejection(downloadToFile(`${s.origin}/`, target, limits({ allowPrivate: true, timeoutMs: 400 })));
    expect(err.code).toBe('source_timeout');
    expect(existsSync(target)).toBe(false);
  });

  it.each([
    [404, 'invalid_url'],
    [403, 'invalid_url'],
    [500, 'source_unreachable'],
    [503, 'source_unreachable'],
  ])('turns HTTP %i into %s naming the status', async (status, code) => {
    const s = await server((_req, res) => {
      res.writeHead(status, { 'content-type': 'text/html' });
      res.end('<h1>no</h1>');
    });
    const target = dest();
    const err = await rejection(downloadToFile(`${s.origin}/missing.mp4`, target, limits({ allowPrivate: true })));
    expect(err.code).toBe(code);
    expect(err.message).toContain(String(status));
    expect(existsSync(target)).toBe(false);
  });

  it('reports a refused connection as source_unreachable', async () => {
    const s = await startServer(serveBytes(VIDEO));
    await s.close();
    const err = await rejection(downloadToFile(`${s.origin}/`, dest(), limits({ allowPrivate: true })));
    expect(err.code).toBe('source_unreachable');
  });

  it('reports a name that does not resolve as source_unreachable', async () => {
    const overrides: NetworkOverrides = { resolveHost: fakeDns({}) };
    const err = await rejection(downloadToFile('http://nowhere.example/', dest(), limits(), undefined, overrides));
    expect(err.code).toBe('source_unreachable');
    expect(err.message).toBe('could not resolve the source host');
  });

  it('reports a name that real DNS cannot resolve as source_unreachable', async () => {
    const err = await rejection(downloadToFile('http://no-such-host.invalid/', dest(), limits({ timeoutMs: 10_000 })));
    expect(err.code).toBe('source_unreachable');
  });

  it('keeps local paths out of the message when the file cannot be written', async () => {
    const s = await server(serveBytes(VIDEO));
    const target = path.join(tmp.dir, 'no-such-dir', 'x.bin');
    const err = await rejection(downloadToFile(`${s.origin}/`, target, limits({ allowPrivate: true })));
    expect(err.code).toBe('internal_error');
    expect(err.message).not.toContain(tmp.dir);
    expect(err.message).not.toMatch(/\n\s+at /);
  });

  it('stops when the caller aborts, with the caller reason', async () => {
    const s = await server(() => {});
    const controller = new AbortController();
    const reason = new Error('job cancelled');
    setTimeout(() => controller.abort(reason), 100);
    const err = await rejection(downloadToFile(`${s.origin}/`, dest(), limits({ allowPrivate: true }), controller.signal));
    expect(err).toBe(reason);
  });

  it.each(['file:///etc/passwd', 'ftp://example.com/v.mp4', 'javascript:alert(1)'])('refuses %s as invalid_url', async (url) => {
    const err = await rejection(downloadToFile(url, dest(), limits({ allowPrivate: true })));
    expect(err.code).toBe('invalid_url');
    expect(err.param).toBe('url');
  });
});

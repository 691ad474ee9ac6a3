import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createSafeDispatcher } from '../../src/fetch/safe-dispatcher.js';
import { rejection, serveBytes, startServer, type TestServer } from './http-fixtures.js';

const BODY = Buffer.from('ok');
const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

// The dispatcher is the second line: these go straight to it, skipping parseSourceUrl.
describe('createSafeDispatcher', () => {
  it('refuses IP literal hosts itself, since net.connect skips the lookup for them', async () => {
    const v4 = await startServer(serveBytes(BODY), '127.0.0.1');
    const v6 = await startServer(serveBytes(BODY), '::1');
    servers.push(v4, v6);
    const dispatcher = createSafeDispatcher({ allowPrivate: false });
    try {
      for (const url of [`${v4.origin}/`, `${v6.origin}/`, `http://[::ffff:127.0.0.1]:${v4.port}/`]) {
        const err = await rejection(request(url, { dispatcher }));
        expect(err.code, url).toBe('url_not_allowed');
      }
    } finally {
      await dispatcher.destroy();
    }
    expect(v4.hits).toEqual([]);
    expect(v6.hits).toEqual([]);
  });

  it('refuses localhost through the system resolver', async () => {
    const s = await startServer(serveBytes(BODY), '127.0.0.1');
    servers.push(s);
    const dispatcher = createSafeDispatcher({ allowPrivate: false });
    try {
      const err = await rejection(request(`http://localhost:${s.port}/`, { dispatcher }));
      expect(err.code).toBe('url_not_allowed');
    } finally {
      await dispatcher.destroy();
    }
    expect(s.hits).toEqual([]);
  });

  it('lets private addresses through when allowPrivate is set', async () => {
    const s = await startServer(serveBytes(BODY), '127.0.0.1');
    servers.push(s);
    const dispatcher = createSafeDispatcher({ allowPrivate: true });
    try {
      const response = await request(`http://localhost:${s.port}/x`, { dispatcher });
      expect(response.statusCode).toBe(200);
      expect(await response.body.text()).toBe('ok');
    } finally {
      await dispatcher.destroy();
    }
  });

  it('uses the injected resolver for names', async () => {
    const s = await startServer(serveBytes(BODY), '127.0.0.1');
    servers.push(s);
    const asked: string[] = [];
    const dispatcher = createSafeDispatcher({
      allowPrivate: true,
      resolveHost: async (hostname) => {
        asked.push(hostname);
        return [{ address: '127.0.0.1', family: 4 }];
      },
    });
    try {
      const response = await request(`http://video.test:${s.port}/`, { dispatcher });
      expect(await response.body.text()).toBe('ok');
    } finally {
      await dispatcher.destroy();
    }
    expect(asked).toEqual(['video.test']);
  });
});

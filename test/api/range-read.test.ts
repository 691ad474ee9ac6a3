import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFileServer } from '../support/file-server.js';
import { type Harness, startHarness } from '../support/harness.js';
import { makeVideo } from '../support/videos.js';

/** Large sources on servers that honour Range are read in place: only the window's bytes travel. */
describe('range reads of large sources', () => {
  let h: Harness;
  let files: Awaited<ReturnType<typeof startFileServer>>;
  let video: string;
  let size: number;

  beforeAll(async () => {
    // Two minutes: large enough that socket buffers and header probing are a small share of it.
    video = await makeVideo({ durationSec: 120, width: 640, height: 360 });
    size = statSync(video).size;
    files = await startFileServer({ 'long.mp4': { path: video, type: 'video/mp4' } });
    h = await startHarness({ RANGE_READ_MIN_BYTES: '1' });
  });
  afterAll(async () => {
    await h?.close();
    await files?.close();
  });

  it('reads a window near the end with a fraction of the bytes', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/sora/v1/characters',
      headers: h.alice,
      payload: { url: files.url('long.mp4'), timestamps: '110,112' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const media = (await h.rt.store.characters.get(res.json().id))?.media as Record<string, number | string>;
    expect(media.source_read).toBe('range');
    expect(media.source_bytes_read as number).toBeLessThan(size * 0.25);
    expect(media.clip_width).toBe(640);
  });

  it('counts the bytes read in place against MAX_SOURCE_BYTES (413 source_too_large)', async () => {
    const capped = await startHarness({ RANGE_READ_MIN_BYTES: '1', MAX_SOURCE_BYTES: String(300 * 1024) });
    try {
      const res = await capped.app.inject({
        method: 'POST',
        url: '/sora/v1/characters',
        headers: capped.alice,
        payload: { url: files.url('long.mp4'), timestamps: '110,112' },
      });
      expect(res.statusCode, res.body).toBe(413);
      expect(res.json().error.code).toBe('source_too_large');
    } finally {
      await capped.close();
    }
  });

  it('downloads whole when the server ignores Range', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': size });
      createReadStream(video).pipe(res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v.mp4`;
      const res = await h.app.inject({ method: 'POST', url: '/sora/v1/characters', headers: h.alice, payload: { url, timestamps: '1,3' } });
      expect(res.statusCode, res.body).toBe(200);
      const media = (await h.rt.store.characters.get(res.json().id))?.media as Record<string, string>;
      expect(media.source_read).toBe('whole');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('still refuses private addresses when ALLOW_PRIVATE_URLS is off', async () => {
    const strict = await startHarness({ RANGE_READ_MIN_BYTES: '1', ALLOW_PRIVATE_URLS: 'false' });
    const before = files.hits.length;
    try {
      const res = await strict.app.inject({
        method: 'POST',
        url: '/sora/v1/characters',
        headers: strict.alice,
        payload: { url: files.url('long.mp4'), timestamps: '1,3' },
      });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('url_not_allowed');
      expect(files.hits.length).toBe(before);
    } finally {
      await strict.close();
    }
  });
});

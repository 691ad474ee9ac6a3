import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALICE,
  bearer,
  ensureBuilt,
  killAll,
  removeDir,
  type ServerProcess,
  StopWaiting,
  startServer,
  tempDataDir,
  waitFor,
} from './support/server-process.js';
import { faceVideo, type StallingServer, startStallingServer } from './support/sources.js';

/**
 * Restart safety against the real process: a character whose download is in flight when the
 * server is SIGKILLed is finished by the next server started on the same DATA_DIR.
 */
describe('e2e: restart safety', () => {
  let dir: string;
  let dataDir: string;
  let source: StallingServer;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sc-e2e-restart-'));
    const [face] = await Promise.all([faceVideo(dir), ensureBuilt()]);
    source = await startStallingServer({ 'face.mp4': { path: face, type: 'video/mp4', stall: true } });
    dataDir = await tempDataDir();
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await killAll();
    await source?.close();
    await removeDir(dataDir);
    await removeDir(dir);
  });

  it('resumes a character left processing by a killed server', async () => {
    const first = await startServer({ dataDir });
    servers.push(first);

    const res = await first.fetch('/sora/v1/characters', {
      method: 'POST',
      headers: { ...bearer(ALICE), 'content-type': 'application/json', prefer: 'respond-async' },
      body: JSON.stringify({ url: source.url('face.mp4'), timestamps: '1,3', display_name: 'Resumed', visibility: 'public' }),
    });
    const text = await res.text();
    expect(res.status, `${text}\n${first.output()}`).toBe(202);
    expect(res.headers.get('preference-applied')).toBe('respond-async');
    const accepted = JSON.parse(text);
    expect(accepted).toMatchObject({ status: 'processing', profile_picture_url: null, clip_url: null });

    // The job is downloading (the source sent its headers and a few bytes, then holds).
    await waitForStall(source, 'face.mp4', first);

    // Nothing half-made is served while it is processing.
    const during = await first.fetch(`/sora/v1/characters/${accepted.id}`, { headers: bearer(ALICE) });
    expect(during.status).toBe(200);
    expect(await during.json()).toMatchObject({ id: accepted.id, status: 'processing', profile_picture_url: null, clip_url: null, error: null });
    const page = await fetch(accepted.permalink);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`@${accepted.username}`);
    expect(html).toContain('still being made');
    expect(html).not.toMatch(/<img|<video/);
    expect(await mediaFilesOf(dataDir, accepted.id)).toEqual([]);

    // Killed mid-job: no shutdown code runs.
    const killed = await first.kill();
    expect(killed.signal).toBe('SIGKILL');
    const hitsBefore = source.hits.filter((h) => h === 'face.mp4').length;

    // The source works again; a new server on the same DATA_DIR (and port) takes the job back.
    source.release('face.mp4');
    const second = await startServer({ dataDir, port: first.port });
    servers.push(second);

    const ready = await waitFor(
      `character ${accepted.id} to turn ready after the restart`,
      async () => {
        const r = await second.fetch(`/sora/v1/characters/${accepted.id}`, { headers: bearer(ALICE) });
        const c = await r.json();
        if (r.status !== 200) throw new Error(`GET ${r.status} ${JSON.stringify(c)}`);
        if (c.status === 'failed') throw new StopWaiting(`the resumed job failed: ${JSON.stringify(c.error)}\n${second.output()}`);
        if (c.status === 'processing') {
          // Still nothing to show while it runs.
          if (c.profile_picture_url !== null || c.clip_url !== null) throw new StopWaiting(`media served while processing: ${JSON.stringify(c)}`);
          return undefined;
        }
        return c;
      },
      90_000,
      250,
    ).catch((e) => {
      throw new Error(`${e instanceof Error ? e.message : String(e)}\n${second.output()}`);
    });

    expect(ready).toMatchObject({ id: accepted.id, username: accepted.username, display_name: 'Resumed', status: 'ready', error: null });
    expect(source.hits.filter((h) => h === 'face.mp4').length).toBeGreaterThan(hitsBefore);

    // (the search that found nothing above finds the finished assets now)
    const assets = (await mediaFilesOf(dataDir, accepted.id)).map((p) => p.split('/').pop());
    expect(assets).toEqual(expect.arrayContaining(['portrait.webp', 'clip.mp4']));
    const portrait = await fetch(ready.profile_picture_url);
    expect(portrait.status).toBe(200);
    const meta = await sharp(Buffer.from(await portrait.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', 512, 512]);
    const clip = await fetch(ready.clip_url, { headers: { range: 'bytes=0-15' } });
    expect(clip.status).toBe(206);
    await clip.body?.cancel();

    // One character, not two.
    const list = await (await second.fetch('/sora/v1/characters', { headers: bearer(ALICE) })).json();
    expect(list.data.map((c: { id: string }) => c.id)).toEqual([accepted.id]);
  });
});

async function waitForStall(source: StallingServer, name: string, server: ServerProcess): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      source.stalled(name),
      new Promise((_, rej) => {
        timer = setTimeout(() => rej(new Error(`the server never requested ${name}\n${server.output()}`)), 30_000);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Finished media files of a character anywhere under DATA_DIR/media (temp files of writes in progress excluded). */
async function mediaFilesOf(dataDir: string, id: string): Promise<string[]> {
  const entries = await readdir(join(dataDir, 'media'), { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .filter((p) => p.includes(`/${id}/`) && /\.(webp|mp4)$/.test(p));
}

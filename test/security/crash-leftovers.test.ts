import { existsSync } from 'node:fs';
import { mkdtemp, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
} from '../e2e/support/server-process.js';
import { faceVideo } from '../e2e/support/sources.js';
import { startTrickleOrigin, type TrickleOrigin } from './support/trickle-origin.js';

/** Job folders under DATA_DIR/tmp of a character: `tmp/<process folder>/<character id>-<random>`. */
async function jobFoldersOf(dataDir: string, id: string): Promise<string[]> {
  const entries = await readdir(join(dataDir, 'tmp'), { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory() && e.name.startsWith(`${id}-`)).map((e) => join(e.parentPath, e.name));
}

/**
 * After a crash nothing is left behind, against the real process: kill -9 while a character's
 * source trickles in leaves its folder in DATA_DIR/tmp; the next start removes it, and the
 * resumed job still ends ready (and leaves no folder either).
 */
describe('e2e: no scratch files outlive a crash', () => {
  let dir: string;
  let dataDir: string;
  let origin: TrickleOrigin;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sc-crash-'));
    const [face] = await Promise.all([faceVideo(dir), ensureBuilt()]);
    origin = await startTrickleOrigin(face, 'video/mp4');
    dataDir = await tempDataDir();
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await killAll();
    await origin?.close();
    await removeDir(dataDir);
    await removeDir(dir);
  });

  it('kill -9 mid-download leaves the job folder; the restart removes it and the job still ends ready', async () => {
    const first = await startServer({ dataDir });
    servers.push(first);
    const res = await first.fetch('/sora/v1/characters', {
      method: 'POST',
      headers: { ...bearer(ALICE), 'content-type': 'application/json', prefer: 'respond-async' },
      body: JSON.stringify({ url: origin.url, timestamps: '1,3' }),
    });
    const accepted = JSON.parse(await res.text());
    expect(res.status, `${JSON.stringify(accepted)}\n${first.output()}`).toBe(202);

    // The source is trickling into the job's folder.
    const [left] = await waitFor(
      'the job folder with a partial source',
      async () => {
        const folders = await jobFoldersOf(dataDir, accepted.id);
        const s = folders[0] ? await stat(join(folders[0], 'source')).catch(() => null) : null;
        return s && s.size > 0 ? folders : undefined;
      },
      30_000,
      50,
    );

    const killed = await first.kill();
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(join(left, 'source')), 'the crash left the partial source behind').toBe(true);
    expect((await stat(join(left, 'source'))).size).toBeGreaterThan(0);

    origin.release();
    const second = await startServer({ dataDir, port: first.port });
    servers.push(second);
    // Gone before the new process answers its first request (its boot removed it).
    expect(existsSync(left), `${left} survived the restart\n${second.output()}`).toBe(false);

    const ready = await waitFor(
      `character ${accepted.id} to turn ready after the restart`,
      async () => {
        const r = await second.fetch(`/sora/v1/characters/${accepted.id}`, { headers: bearer(ALICE) });
        const c = await r.json();
        if (c.status === 'failed') throw new StopWaiting(`the resumed job failed: ${JSON.stringify(c.error)}\n${second.output()}`);
        return c.status === 'ready' ? c : undefined;
      },
      90_000,
      250,
    );
    expect(ready).toMatchObject({ id: accepted.id, status: 'ready', error: null });
    expect(await jobFoldersOf(dataDir, accepted.id)).toEqual([]);
    // One live process folder remains: the second server's, with its heartbeat.
    const tmp = await readdir(join(dataDir, 'tmp'));
    expect(tmp).toHaveLength(1);
    expect(tmp[0]).toMatch(/^p_[0-9a-f-]{36}$/);
    expect(await readdir(join(dataDir, 'tmp', tmp[0]))).toEqual(['.alive']);
  });
});

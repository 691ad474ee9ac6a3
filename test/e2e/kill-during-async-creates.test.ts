import { stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sized } from '../security/support/attack-scale.js';
import { makeVideo } from '../support/videos.js';
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
import { startTrickleOrigin, type TrickleOrigin } from './support/trickle-origin.js';

/**
 * issue #12 point 7, against the real process: async creates (Prefer: respond-async) whose
 * sources trickle in over seconds are in flight when the server is SIGKILLed; a new server on
 * the same DATA_DIR finishes every one of them (`ready`). `npm run load` kills it more often,
 * with more creates in flight.
 */
const CREATES = sized(5, 10);
const KILLS = sized(1, 3);
const READY_WITHIN_MS = sized(150_000, 400_000);

describe('e2e: kill -9 with async creates in flight', () => {
  let dataDir: string;
  let origin: TrickleOrigin;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    const [video] = await Promise.all([makeVideo({ durationSec: 3, width: 320, height: 180 }), ensureBuilt()]);
    // ~8 KiB every 100 ms: a few seconds per download of this file.
    const size = (await stat(video)).size;
    origin = await startTrickleOrigin({ 'v.mp4': { path: video, type: 'video/mp4' } }, { chunk: Math.max(2048, Math.ceil(size / 40)), everyMs: 100 });
    dataDir = await tempDataDir();
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await killAll();
    await origin?.close();
    await removeDir(dataDir);
  });

  // A job that was running when its process died counts an attempt: let each outlive every kill.
  const env = { WORKER_CONCURRENCY: String(CREATES), JOB_MAX_ATTEMPTS: String(KILLS + 2) };

  it(
    `${CREATES} creates in flight, SIGKILL x${KILLS}: every one ends ready on the next server`,
    async () => {
      let server = await startServer({ dataDir, env });
      servers.push(server);
      const ids: string[] = [];
      for (let i = 0; i < CREATES; i++) {
        const res = await server.fetch('/sora/v1/characters', {
          method: 'POST',
          headers: { ...bearer(ALICE), 'content-type': 'application/json', prefer: 'respond-async' },
          body: JSON.stringify({ url: origin.url('v.mp4'), timestamps: '0,1', display_name: `Killed ${i}` }),
        });
        const text = await res.text();
        expect(res.status, `${text}\n${server.output()}`).toBe(202);
        ids.push(JSON.parse(text).id);
      }

      for (let k = 0; k < KILLS; k++) {
        // Every download has started again on this server (the origin saw them all) and none can have finished yet.
        const target = (k + 1) * CREATES;
        await waitFor(`the origin to see ${target} downloads`, async () => ((origin.hits.get('v.mp4') ?? 0) >= target ? true : undefined), 30_000, 50);
        if (k === 0) {
          const during = await (await server.fetch('/sora/v1/characters?limit=100', { headers: bearer(ALICE) })).json();
          expect(during.data.map((c: { status: string }) => c.status)).toEqual(ids.map(() => 'processing'));
        }
        const killed = await server.kill();
        expect(killed.signal).toBe('SIGKILL');
        server = await startServer({ dataDir, port: server.port, env });
        servers.push(server);
      }

      const current = server;
      for (const id of ids) {
        const ready = await waitFor(
          `character ${id} to be ready after the restart`,
          async () => {
            const r = await current.fetch(`/sora/v1/characters/${id}`, { headers: bearer(ALICE) });
            const c = await r.json();
            if (r.status !== 200) throw new StopWaiting(`GET ${id}: ${r.status} ${JSON.stringify(c)}`);
            if (c.status === 'failed') throw new StopWaiting(`${id} failed after the restart: ${JSON.stringify(c.error)}\n${current.output()}`);
            return c.status === 'ready' ? c : undefined;
          },
          READY_WITHIN_MS,
          250,
        ).catch((e) => {
          throw new Error(`${e instanceof Error ? e.message : String(e)}\n${current.output()}`);
        });
        expect(ready).toMatchObject({ id, status: 'ready', error: null });
      }
      // Every download was cut by every kill, so each was fetched again after each.
      expect(origin.hits.get('v.mp4')).toBeGreaterThanOrEqual((KILLS + 1) * CREATES);
      // Each character once, none lost and none doubled.
      const list = await (await current.fetch('/sora/v1/characters?limit=100', { headers: bearer(ALICE) })).json();
      expect(list.data.map((c: { id: string }) => c.id).sort()).toEqual([...ids].sort());
    },
    READY_WITHIN_MS + KILLS * 120_000,
  );
});

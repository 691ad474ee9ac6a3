import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createScratchSpace, type ScratchSpace } from '../../src/jobs/inprocess/scratch-space.js';
import { createRuntime } from '../../src/wiring.js';
import { makeVideo } from '../support/videos.js';
import { startTrickleOrigin } from './support/trickle-origin.js';

/**
 * DATA_DIR/tmp after a crash: the embedded default (one process) removes everything it finds at
 * open; processes sharing a store remove only folders whose heartbeat went silent, so a second
 * process starting never deletes what a live one is using.
 */
describe('scratch space', () => {
  let root: string;
  const opened: ScratchSpace[] = [];
  beforeEach(async () => {
    root = join(await mkdtemp(join(tmpdir(), 'sc-scratch-')), 'tmp');
  });
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
    await rm(join(root, '..'), { recursive: true, force: true });
  });

  async function open(exclusive: boolean, o: { heartbeatMs?: number; staleAfterMs?: number } = {}) {
    const s = createScratchSpace({ root, exclusive, ...o });
    await s.open();
    opened.push(s);
    return s;
  }

  /** A job folder with a source in it, as make-character writes one. */
  async function jobFolder(space: ScratchSpace, name = 'ch_0123-abc') {
    const dir = join(space.dir, name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'source'), 'bytes');
    return dir;
  }

  /** What a process killed long ago left: its folder, heartbeat silent for `ageMs`. */
  async function deadProcessFolder(ageMs: number) {
    const dir = join(root, 'p_00000000-dead-4000-8000-000000000000');
    await mkdir(join(dir, 'ch_dead-xyz'), { recursive: true });
    await writeFile(join(dir, 'ch_dead-xyz', 'source'), 'bytes');
    await writeFile(join(dir, '.alive'), '{}\n');
    const then = new Date(Date.now() - ageMs);
    await utimes(join(dir, '.alive'), then, then);
    return dir;
  }

  it('exclusive (the embedded default): everything left in tmp is removed at open, legacy files included', async () => {
    await mkdir(root, { recursive: true });
    const dead = await deadProcessFolder(1_000);
    await mkdir(join(root, 'ch_legacy-123'));
    await writeFile(join(root, 'upload-legacy'), 'x');
    const space = await open(true);
    expect(existsSync(dead)).toBe(false);
    expect(await readdir(root)).toEqual([space.dir.split('/').pop()]);
    expect(await readdir(space.dir)).toEqual(['.alive']);
  });

  it('shared: a second process starting keeps the folder of a live one, and removes the one whose heartbeat went silent', async () => {
    const first = await open(false);
    const inUse = await jobFolder(first);
    await mkdir(root, { recursive: true });
    const dead = await deadProcessFolder(120_000);
    await writeFile(join(root, 'upload-of-an-older-version'), 'x');
    const second = await open(false, { staleAfterMs: 60_000 });
    expect(existsSync(join(inUse, 'source'))).toBe(true);
    expect(existsSync(dead)).toBe(false);
    // Not a process folder: left alone while others may use it.
    expect(existsSync(join(root, 'upload-of-an-older-version'))).toBe(true);
    expect((await readdir(root)).sort()).toEqual(
      [first.dir, second.dir]
        .map((d) => d.split('/').pop())
        .concat('upload-of-an-older-version')
        .sort(),
    );
  });

  it('shared: the heartbeat keeps a long-running folder alive past staleAfterMs', async () => {
    const worker = await open(false, { heartbeatMs: 50, staleAfterMs: 300 });
    const inUse = await jobFolder(worker);
    await new Promise((r) => setTimeout(r, 700));
    await open(false, { staleAfterMs: 300 });
    expect(existsSync(join(inUse, 'source'))).toBe(true);
  });

  it('shared: a process that stops beating is swept by a live one, without a restart', async () => {
    await open(false, { heartbeatMs: 50, staleAfterMs: 200 });
    await mkdir(root, { recursive: true });
    const dead = await deadProcessFolder(0);
    const deadline = Date.now() + 5_000;
    while (existsSync(dead) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(dead)).toBe(false);
  });

  it('close removes the folder', async () => {
    const space = createScratchSpace({ root, exclusive: false });
    await space.open();
    await jobFolder(space);
    await space.close();
    expect(existsSync(space.dir)).toBe(false);
  });
});

/** The same rule with the real runtime: two processes sharing one store and DATA_DIR (as with PostgreSQL). */
describe('scratch space of two runtimes sharing a store', () => {
  it("a second runtime starting leaves the first one's job folder alone", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sc-scratch-shared-'));
    const video = await makeVideo({ durationSec: 4, width: 320, height: 180 });
    const origin = await startTrickleOrigin(video, 'video/mp4');
    const config = loadConfig({ DATA_DIR: dataDir, API_KEYS: 'sk-alice-test-key', ALLOW_PRIVATE_URLS: 'true', LOG_LEVEL: 'silent' });
    const logger = pino({ level: 'silent' });
    const first = await createRuntime(config, { queueExclusive: false, logger });
    let second: Awaited<ReturnType<typeof createRuntime>> | undefined;
    try {
      await first.queue.start(first.handlers);
      const alice = await first.keys.authenticate('sk-alice-test-key');
      const { body } = await first.characters.create(alice, { url: origin.url, timestamps: '1,3' }, { respondAsync: true });
      const deadline = Date.now() + 20_000;
      let folders: string[] = [];
      const sourceWritten = () => folders.length === 1 && existsSync(join(first.workDir, folders[0], 'source'));
      while (!sourceWritten() && Date.now() < deadline) {
        folders = (await readdir(first.workDir).catch(() => [])).filter((n) => n.startsWith(`${body.id}-`));
        if (!sourceWritten()) await new Promise((r) => setTimeout(r, 50));
      }
      expect(sourceWritten(), `job folders: ${folders}`).toBe(true);

      second = await createRuntime(config, { queueExclusive: false, logger });
      await second.queue.start(second.handlers);
      expect(second.workDir).not.toBe(first.workDir);
      expect(existsSync(join(first.workDir, folders[0], 'source'))).toBe(true);
    } finally {
      // The trickle ends in an error: the job settles at once instead of holding the stop.
      await origin.close();
      await second?.close();
      await first.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

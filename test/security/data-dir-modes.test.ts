import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createRuntime, migrateDatabase } from '../../src/wiring.js';

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

/** The data dir is the service's alone: folders 0700; the SQLite files and the signing secret 0600. */
describe('DATA_DIR modes', () => {
  let parent: string | undefined;
  afterEach(async () => {
    if (parent) await rm(parent, { recursive: true, force: true });
    parent = undefined;
  });

  async function boot(dataDir: string) {
    const rt = await createRuntime(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), { logger: pino({ level: 'silent' }) });
    await rt.queue.start(rt.handlers);
    // A write, so SQLite's WAL and shared-memory files exist.
    await rt.keys.create(`modes-${Math.random().toString(36).slice(2)}`);
    return rt;
  }

  async function expectPrivate(dataDir: string) {
    for (const dir of [dataDir, join(dataDir, 'tmp'), join(dataDir, 'media')]) expect(await modeOf(dir), dir).toBe(0o700);
    for (const file of ['sora-characters.db', 'sora-characters.db-wal', 'sora-characters.db-shm', 'signing-secret']) {
      expect(await modeOf(join(dataDir, file)), file).toBe(0o600);
    }
  }

  it('a new DATA_DIR is made private', async () => {
    parent = await mkdtemp(join(tmpdir(), 'sc-modes-'));
    const dataDir = join(parent, 'data');
    const previous = process.umask(0o022);
    try {
      const rt = await boot(dataDir);
      await expectPrivate(dataDir);
      await rt.close();
    } finally {
      process.umask(previous);
    }
  });

  it('a DATA_DIR an older version left readable by all is tightened at boot', async () => {
    parent = await mkdtemp(join(tmpdir(), 'sc-modes-'));
    const dataDir = join(parent, 'data');
    await (await boot(dataDir)).close();
    await mkdir(join(dataDir, 'tmp'), { recursive: true });
    for (const dir of [dataDir, join(dataDir, 'tmp'), join(dataDir, 'media')]) await chmod(dir, 0o755);
    for (const file of ['sora-characters.db', 'signing-secret']) await chmod(join(dataDir, file), 0o644);
    await writeFile(join(dataDir, 'sora-characters.db-wal'), '', { mode: 0o644, flag: 'a' });
    await chmod(join(dataDir, 'sora-characters.db-wal'), 0o644);

    const rt = await boot(dataDir);
    await expectPrivate(dataDir);
    await rt.close();
  });

  it('`migrate` makes the folder and the database private too', async () => {
    parent = await mkdtemp(join(tmpdir(), 'sc-modes-'));
    const dataDir = join(parent, 'data');
    await migrateDatabase(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }));
    expect(await modeOf(dataDir)).toBe(0o700);
    expect(await modeOf(join(dataDir, 'sora-characters.db'))).toBe(0o600);
  });
});

import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultBinaries } from '../../src/ffmpeg/binaries.js';
import { withMemoryLimit } from '../../src/ffmpeg/memory-limit.js';
import { runTool } from '../../src/ffmpeg/run.js';
import { MediaToolError } from '../../src/ffmpeg/tool-error.js';
import { makeManyStreamMkv, makeResolutionSwitchTs } from '../security/hostile-media.js';

const { ffmpeg, ffprobe } = defaultBinaries();

async function failure(p: Promise<unknown>): Promise<MediaToolError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(MediaToolError);
  return e as MediaToolError;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The runner's own limits, on real processes: time, memory, and the limits ffmpeg reports on stderr. */
describe('runner limits', () => {
  let dir: string;
  let bomb: string;
  let streams: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tool-limits-'));
    bomb = await makeResolutionSwitchTs(dir, { switchSec: 1, hugeWidth: 12000, hugeHeight: 12000 });
    streams = await makeManyStreamMkv(dir, 40);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('kills ffmpeg reading a never-ending source at its timeout', async () => {
    const t0 = performance.now();
    const e = await failure(runTool(ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=320x180', '-f', 'null', '-'], { timeoutMs: 300 }));
    expect(e.kind).toBe('timeout');
    expect(e.message).toMatch(/timed out/);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });

  it('on timeout, kills the whole process group, not only the process it started', async () => {
    const pidFile = join(dir, 'grandchild.pid');
    const script = `
      const { spawn } = require('node:child_process');
      const c = spawn('sleep', ['30'], { stdio: 'ignore' });
      require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(c.pid));
      setTimeout(() => {}, 30000);`;
    const e = await failure(runTool(process.execPath, ['-e', script], { timeoutMs: 1000 }));
    expect(e.kind).toBe('timeout');
    const grandchild = Number(await readFile(pidFile, 'utf8'));
    await expect.poll(() => alive(grandchild), { timeout: 5000 }).toBe(false);
  });

  it('a run that needs more memory than its limit ends as memory_limit, quickly', async () => {
    const args = ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=320x240', '-vf', 'scale=8000:8000', '-frames:v', '3', '-f', 'null', '-'];
    const e = await failure(runTool(ffmpeg, args, { maxMemoryMb: 200, timeoutMs: 30_000 }));
    expect(e.kind).toBe('memory_limit');
    expect(e.message).toMatch(/memory/i);
  });

  it('a memory limit too small to start the tool at all is a spawn failure that says why', async () => {
    const e = await failure(runTool(ffmpeg, ['-version'], { maxMemoryMb: 4 }));
    expect(e.kind).toBe('spawn');
    expect(e.stderrTail).toMatch(/shared (libraries|object)/);
  });

  it('a picture over -max_pixels stops ffmpeg at once as pixel_limit (ffmpeg itself would go on and exit 0)', async () => {
    const args = ['-v', 'error', '-max_pixels', String(8192 * 8192), '-i', `file:${bomb}`, '-f', 'null', '-'];
    const e = await failure(runTool(ffmpeg, args, { timeoutMs: 30_000 }));
    expect(e.kind).toBe('pixel_limit');
  });

  it('a source over -max_streams stops ffprobe as stream_limit', async () => {
    const args = ['-v', 'error', '-max_streams', '16', '-show_streams', '-of', 'json', `file:${streams}`];
    const e = await failure(runTool(ffprobe, args, { timeoutMs: 30_000 }));
    expect(e.kind).toBe('stream_limit');
  });

  it('without prlimit on PATH, the same limit is set by sh', () => {
    const run = (mb: number) => {
      const { command, args } = withMemoryLimit(ffmpeg, ['-hide_banner', '-version'], mb, null);
      expect(command).toBe('/bin/sh');
      return spawnSync(command, args, { encoding: 'utf8' });
    };
    expect(run(1024)).toMatchObject({ status: 0, stdout: expect.stringMatching(/^ffmpeg version/) });
    expect(run(4)).toMatchObject({ status: 127, stderr: expect.stringMatching(/shared (libraries|object)/) });
  });
});

import { describe, expect, it } from 'vitest';
import { defaultBinaries } from '../../src/ffmpeg/binaries.js';
import { runTool, runToolStreaming } from '../../src/ffmpeg/run.js';
import { MediaToolError } from '../../src/ffmpeg/tool-error.js';

// Node itself is a convenient, exact child process for the runner's edge cases.
const node = process.execPath;
const script = (code: string) => ['-e', code];
const { ffmpeg } = defaultBinaries();

async function failure(p: Promise<unknown>): Promise<MediaToolError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(MediaToolError);
  return e as MediaToolError;
}

describe('runTool', () => {
  it('collects stdout of a successful run', async () => {
    const { stdout } = await runTool(ffmpeg, ['-hide_banner', '-version']);
    expect(stdout.toString()).toMatch(/^ffmpeg version/);
  });

  it('passes arguments verbatim (no shell)', async () => {
    const arg = '$(echo no); `x` | y > z';
    const { stdout } = await runTool(node, script('process.stdout.write(process.argv[1])').concat(arg));
    expect(stdout.toString()).toBe(arg);
  });

  it('rejects a non-zero exit with the exit code and a bounded stderr tail', async () => {
    const e = await failure(
      runTool(node, script('process.stderr.write("x".repeat(100000) + "\\nthe last words\\n"); process.exit(3)'), { stderrTailBytes: 1024 }),
    );
    expect(e.kind).toBe('exit');
    expect(e.exitCode).toBe(3);
    expect(e.stderrTail.length).toBeLessThanOrEqual(1024);
    expect(e.stderrTail.endsWith('the last words')).toBe(true);
    expect(e.message).toContain('the last words');
  });

  it('rejects a real ffmpeg failure with its error line', async () => {
    const e = await failure(runTool(ffmpeg, ['-hide_banner', '-v', 'error', '-i', 'file:/nonexistent/x.mp4', '-f', 'null', '-']));
    expect(e.kind).toBe('exit');
    expect(e.tool).toBe('ffmpeg');
    expect(e.stderrTail).toMatch(/No such file/);
  });

  it('rejects a missing executable as a spawn failure', async () => {
    const e = await failure(runTool('/nonexistent/ffmpeg', ['-version']));
    expect(e.kind).toBe('spawn');
  });

  it('kills on timeout', async () => {
    const t0 = Date.now();
    const e = await failure(runTool(node, script('setTimeout(() => {}, 30000)'), { timeoutMs: 200 }));
    expect(e.kind).toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('kills on abort, and refuses to start when already aborted', async () => {
    const ac = new AbortController();
    const p = runTool(node, script('setTimeout(() => {}, 30000)'), { signal: ac.signal });
    setTimeout(() => ac.abort(new Error('stop')), 100);
    const e = await failure(p);
    expect(e.kind).toBe('aborted');
    expect((e.cause as Error).message).toBe('stop');
    const e2 = await failure(runTool(node, script('1'), { signal: ac.signal }));
    expect(e2.kind).toBe('aborted');
  });

  it('stops a process that writes more stdout than allowed', async () => {
    const e = await failure(
      runTool(ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=320x180', '-f', 'rawvideo', 'pipe:1'], { maxStdoutBytes: 1_000_000, timeoutMs: 20_000 }),
    );
    expect(e.kind).toBe('output_limit');
  });
});

describe('runToolStreaming', () => {
  it('hands stdout to the consumer as it is written', async () => {
    const seen: number[] = [];
    const t0 = Date.now();
    await runToolStreaming(node, script('process.stdout.write("a"); setTimeout(() => process.stdout.write("b"), 300)'), async (stdout) => {
      for await (const _ of stdout) seen.push(Date.now() - t0);
    });
    expect(seen.length).toBe(2);
    expect(seen[1] - seen[0]).toBeGreaterThanOrEqual(200);
  });

  it("kills the process and rethrows the consumer's own error", async () => {
    const boom = new Error('consumer failed');
    const t0 = Date.now();
    const p = runToolStreaming(ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=320x180', '-f', 'rawvideo', 'pipe:1'], async (stdout) => {
      for await (const _ of stdout) throw boom;
    });
    await expect(p).rejects.toBe(boom);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('drains what the consumer leaves unread so the process can finish', async () => {
    await runToolStreaming(node, script('process.stdout.write("x".repeat(1 << 20))'), async () => {});
  });
});

import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { type LimitKind, LimitWatch } from './limit-signs.js';
import { DEFAULT_TOOL_LIMITS } from './limits.js';
import { withMemoryLimit } from './memory-limit.js';
import { TailBuffer } from './tail-buffer.js';
import { MediaToolError } from './tool-error.js';

export interface RunOptions {
  /** Kills the process group (SIGKILL) and rejects with kind 'aborted'. */
  signal?: AbortSignal;
  /** Kills the process group and rejects with kind 'timeout' after this many ms. Default 60 s. */
  timeoutMs?: number;
  /** The process's data-segment limit, MiB. Default 1024. */
  maxMemoryMb?: number;
  /** How much of stderr is kept for the failure (the tail). Default 8 KiB. */
  stderrTailBytes?: number;
}

export interface CollectOptions extends RunOptions {
  /** Largest stdout accepted; beyond it the process is killed (kind 'output_limit'). Default 16 MiB. */
  maxStdoutBytes?: number;
}

const DEFAULT_TAIL_BYTES = 8 * 1024;
const DEFAULT_MAX_STDOUT = 16 * 1024 * 1024;

/**
 * The one place that starts ffmpeg/ffprobe: an argv array (never a shell), stdin closed,
 * stdout handed to `consume` as a stream (its pace is the process's pace: a consumer that
 * stops reading stalls the process, which is the backpressure), stderr kept as a bounded tail.
 * Every run has a time limit and a memory limit, and runs in its own process group, which is
 * what is killed. stderr is watched for the words of a limit (pixels, streams, memory): ffmpeg
 * may go on past them and even exit 0, so the run is stopped at the first.
 *
 * Resolves once the process exited 0 and `consume` resolved. Rejects with a MediaToolError
 * (spawn, exit, timeout, aborted, a limit), or with `consume`'s own error (the process is then killed).
 */
export function runToolStreaming(
  bin: string,
  args: readonly string[],
  consume: (stdout: Readable) => Promise<void>,
  opts: RunOptions = {},
): Promise<{ stderrTail: string }> {
  const tool = basename(bin);
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new MediaToolError('aborted', tool, { cause: opts.signal.reason }));
      return;
    }
    const limited = withMemoryLimit(bin, args, opts.maxMemoryMb ?? DEFAULT_TOOL_LIMITS.maxMemoryMb);
    // detached: the child leads a new process group, so a kill reaches anything it started.
    const child = spawn(limited.command, limited.args, { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true, detached: true });
    const tail = new TailBuffer(opts.stderrTailBytes ?? DEFAULT_TAIL_BYTES);
    const watch = new LimitWatch();

    let killedFor: 'aborted' | 'timeout' | LimitKind | null = null;
    let spawnError: Error | null = null;
    let closed = false;
    const killGroup = () => {
      if (closed || child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const kill = (why: NonNullable<typeof killedFor>) => {
      if (killedFor === null) killedFor = why;
      killGroup();
    };
    child.stderr.on('data', (c: Buffer) => {
      tail.push(c);
      const hit = watch.push(c);
      if (hit) kill(hit);
    });
    const onAbort = () => kill('aborted');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => kill('timeout'), opts.timeoutMs ?? DEFAULT_TOOL_LIMITS.timeoutMs);

    const exited = new Promise<{ code: number | null; sig: NodeJS.Signals | null }>((res) => {
      child.once('error', (e) => {
        spawnError = e;
        res({ code: null, sig: null });
      });
      child.once('close', (code, sig) => {
        closed = true;
        res({ code, sig });
      });
    });

    const consumed = (async () => {
      try {
        await consume(child.stdout);
      } catch (e) {
        killGroup();
        throw e;
      } finally {
        // Whatever the consumer left unread must not block the process.
        child.stdout.resume();
      }
    })();

    void Promise.allSettled([exited, consumed]).then(([ex, co]) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      const stderrTail = tail.toString();
      const stoppedFor = killedFor ?? watch.end();
      const status = ex.status === 'fulfilled' ? ex.value : { code: null, sig: null };
      if (stoppedFor === 'aborted') {
        reject(new MediaToolError('aborted', tool, { stderrTail, cause: opts.signal?.reason }));
      } else if (stoppedFor) {
        reject(new MediaToolError(stoppedFor, tool, { stderrTail }));
      } else if (spawnError || NOT_STARTED.has(status.code ?? 0)) {
        reject(new MediaToolError('spawn', tool, { stderrTail, exitCode: status.code, cause: spawnError ?? undefined }));
      } else if (co.status === 'rejected') {
        reject(co.reason);
      } else if (status.code !== 0) {
        reject(new MediaToolError('exit', tool, { exitCode: status.code, exitSignal: status.sig, stderrTail }));
      } else {
        resolve({ stderrTail });
      }
    });
  });
}

/**
 * Exit codes of a tool that never ran: the memory-limit wrapper's exec failed (127 not found,
 * 126 not executable), or the dynamic loader failed, which under a tiny limit it does.
 */
const NOT_STARTED = new Set([126, 127]);

/** Runs a tool to the end and collects its stdout (bounded). */
export async function runTool(bin: string, args: readonly string[], opts: CollectOptions = {}): Promise<{ stdout: Buffer; stderrTail: string }> {
  const max = opts.maxStdoutBytes ?? DEFAULT_MAX_STDOUT;
  const chunks: Buffer[] = [];
  let size = 0;
  const { stderrTail } = await runToolStreaming(
    bin,
    args,
    async (stdout) => {
      for await (const chunk of stdout as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > max) throw new MediaToolError('output_limit', basename(bin));
        chunks.push(chunk);
      }
    },
    opts,
  );
  return { stdout: Buffer.concat(chunks, size), stderrTail };
}

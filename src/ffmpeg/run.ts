import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { TailBuffer } from './tail-buffer.js';
import { MediaToolError } from './tool-error.js';

export interface RunOptions {
  /** Kills the process (SIGKILL) and rejects with kind 'aborted'. */
  signal?: AbortSignal;
  /** Kills the process and rejects with kind 'timeout' after this many ms. */
  timeoutMs?: number;
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
 *
 * Resolves once the process exited 0 and `consume` resolved. Rejects with a MediaToolError
 * (spawn, exit, timeout, aborted), or with `consume`'s own error (the process is then killed).
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
    const child = spawn(bin, [...args], { stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const tail = new TailBuffer(opts.stderrTailBytes ?? DEFAULT_TAIL_BYTES);
    child.stderr.on('data', (c: Buffer) => tail.push(c));

    let killedFor: 'aborted' | 'timeout' | null = null;
    let spawnError: Error | null = null;
    const kill = (why: 'aborted' | 'timeout') => {
      if (killedFor === null) killedFor = why;
      child.kill('SIGKILL');
    };
    const onAbort = () => kill('aborted');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = opts.timeoutMs !== undefined ? setTimeout(() => kill('timeout'), opts.timeoutMs) : undefined;

    const exited = new Promise<{ code: number | null; sig: NodeJS.Signals | null }>((res) => {
      child.once('error', (e) => {
        spawnError = e;
        res({ code: null, sig: null });
      });
      child.once('close', (code, sig) => res({ code, sig }));
    });

    const consumed = (async () => {
      try {
        await consume(child.stdout);
      } catch (e) {
        child.kill('SIGKILL');
        throw e;
      } finally {
        // Whatever the consumer left unread must not block the process.
        child.stdout.resume();
      }
    })();

    void Promise.allSettled([exited, consumed]).then(([ex, co]) => {
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      const stderrTail = tail.toString();
      if (killedFor === 'aborted') {
        reject(new MediaToolError('aborted', tool, { stderrTail, cause: opts.signal?.reason }));
      } else if (killedFor === 'timeout') {
        reject(new MediaToolError('timeout', tool, { stderrTail }));
      } else if (spawnError) {
        reject(new MediaToolError('spawn', tool, { stderrTail, cause: spawnError }));
      } else if (co.status === 'rejected') {
        reject(co.reason);
      } else if (ex.status === 'fulfilled' && ex.value.code !== 0) {
        reject(new MediaToolError('exit', tool, { exitCode: ex.value.code, exitSignal: ex.value.sig, stderrTail }));
      } else {
        resolve({ stderrTail });
      }
    });
  });
}

/** Runs a tool to the end and collects its stdout (bounded). */
export async function runTool(
  bin: string,
  args: readonly string[],
  opts: CollectOptions = {},
): Promise<{ stdout: Buffer; stderrTail: string }> {
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

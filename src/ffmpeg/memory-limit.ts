import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

let prlimitOnPath: string | null | undefined;

/** prlimit(1) of util-linux, looked up once on PATH; null when it is not there. */
export function findPrlimit(): string | null {
  if (prlimitOnPath !== undefined) return prlimitOnPath;
  prlimitOnPath = null;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, 'prlimit'), constants.X_OK);
      prlimitOnPath = join(dir, 'prlimit');
      break;
    } catch {
      // not in this folder
    }
  }
  return prlimitOnPath;
}

/**
 * The command that runs `bin args` with its data segment (RLIMIT_DATA: heap and private writable
 * mappings, where frames live) limited to `maxMemoryMb` MiB: prlimit(1) when it is on PATH, else
 * POSIX sh's `ulimit -d`. Either execs the tool, so the process started is the tool itself.
 * Not the address space (RLIMIT_AS): ffmpeg reserves about 1 GB of it for a 1080p window while
 * using a third of that, and more with every thread.
 */
export function withMemoryLimit(bin: string, args: readonly string[], maxMemoryMb: number, prlimit = findPrlimit()): { command: string; args: string[] } {
  const bytes = Math.floor(maxMemoryMb * 1024 * 1024);
  if (!(bytes > 0)) throw new RangeError(`not a usable memory limit: ${maxMemoryMb} MiB`);
  if (prlimit) return { command: prlimit, args: [`--data=${bytes}`, '--', bin, ...args] };
  return { command: '/bin/sh', args: ['-c', 'ulimit -d "$1" && shift && exec "$@"', 'sh', String(Math.floor(bytes / 1024)), bin, ...args] };
}

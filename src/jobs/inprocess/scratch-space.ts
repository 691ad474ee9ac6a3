import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** Folders of processes are named `p_<uuid>`; the heartbeat file inside says the owner lives. */
const PROCESS_PREFIX = 'p_';
const HEARTBEAT_FILE = '.alive';

export interface ScratchSpaceOptions {
  /** DATA_DIR/tmp: every process that works there has its own folder in it. */
  root: string;
  /**
   * True when this process alone uses the data dir (the embedded SQLite default): whatever is
   * in `root` when it opens was left by a process that died. Otherwise only folders whose
   * heartbeat went silent for `staleAfterMs` are removed (at open, then every staleAfterMs / 2).
   */
  exclusive: boolean;
  heartbeatMs?: number;
  staleAfterMs?: number;
  log?: { warn(obj: object, msg: string): void };
}

export interface ScratchSpace {
  /** This process's folder: jobs, uploads and inline sources are written under it. */
  dir: string;
  /** Removes what dead processes left, creates the folder and starts its heartbeat. */
  open(): Promise<void>;
  /** Stops the heartbeat and removes the folder. */
  close(): Promise<void>;
}

/**
 * Scratch space that a crash cannot leak: a process killed mid-job leaves its sources and clips
 * in its folder, and the next process to open the space removes them.
 */
export function createScratchSpace(opts: ScratchSpaceOptions): ScratchSpace {
  const heartbeatMs = opts.heartbeatMs ?? 10_000;
  const staleAfterMs = opts.staleAfterMs ?? 60_000;
  const name = `${PROCESS_PREFIX}${randomUUID()}`;
  const dir = join(opts.root, name);
  const heartbeatFile = join(dir, HEARTBEAT_FILE);
  const timers: NodeJS.Timeout[] = [];

  async function writeHeartbeat() {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(heartbeatFile, `${JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() })}\n`, { mode: 0o600 });
  }

  async function beat() {
    const now = new Date();
    // Removed by another process after a long stall of this one: made again, so it is not removed twice.
    await utimes(heartbeatFile, now, now).catch(() => writeHeartbeat());
  }

  /** The heartbeat file's age; a folder without one (just made, or by an older version) is judged by its own. */
  async function isSilent(folder: string): Promise<boolean> {
    const s = (await stat(join(folder, HEARTBEAT_FILE)).catch(() => null)) ?? (await stat(folder).catch(() => null));
    return !!s && Date.now() - s.mtimeMs > staleAfterMs;
  }

  async function sweep(): Promise<void> {
    const entries = await readdir(opts.root, { withFileTypes: true }).catch(() => []);
    const removed: string[] = [];
    for (const e of entries) {
      if (e.name === name) continue;
      if (!opts.exclusive) {
        // Not a process folder (files of an older version): not ours to judge while others may run.
        if (!e.isDirectory() || !e.name.startsWith(PROCESS_PREFIX)) continue;
        if (!(await isSilent(join(opts.root, e.name)))) continue;
      }
      await rm(join(opts.root, e.name), { recursive: true, force: true });
      removed.push(e.name);
    }
    if (removed.length > 0) opts.log?.warn({ removed }, 'removed scratch files left by processes that are gone');
  }

  return {
    dir,
    async open() {
      await mkdir(opts.root, { recursive: true, mode: 0o700 });
      await sweep();
      await writeHeartbeat();
      const heartbeat = setInterval(() => void beat().catch(() => {}), heartbeatMs);
      heartbeat.unref();
      timers.push(heartbeat);
      if (!opts.exclusive) {
        const sweeper = setInterval(() => void sweep().catch(() => {}), staleAfterMs / 2);
        sweeper.unref();
        timers.push(sweeper);
      }
    },
    async close() {
      for (const t of timers.splice(0)) clearInterval(t);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

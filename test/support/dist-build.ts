/**
 * Building dist/ the way `npm start` does (`tsc -p tsconfig.build.json`, then the web files) for the suites and the
 * bench that run the real process, and picking free ports for it. Parallel test workers and a
 * bench started by `npm test` share one lock folder, so dist/ is never written twice at once.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The entry `npm start` runs. */
export const DIST_MAIN = join(ROOT, 'dist', 'main.js');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const COPY_WEB_FILES = join(ROOT, 'scripts', 'copy-web-files.mjs');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Identifies this vitest run: its main process (the parent of every fork worker) and its start time. */
function runId(): string {
  let started = '';
  try {
    // Field 22 of /proc/<pid>/stat: start time in clock ticks after boot (Linux only).
    const stat = readFileSync(`/proc/${process.ppid}/stat`, 'utf8');
    started = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    /* not Linux: the pid alone */
  }
  return `${process.ppid}-${started}`;
}

function runNode(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', rej);
    child.on('close', (code) => res({ code, output }));
  });
}

let built: Promise<void> | undefined;

/**
 * Builds dist/ (`tsc -p tsconfig.build.json` and scripts/copy-web-files.mjs, what `npm run build` runs) once per vitest run.
 * The test files of one run run in parallel workers: a lock folder serialises them, and a marker
 * named after the run lets the later ones skip the build.
 */
export function ensureBuilt(): Promise<void> {
  built ??= (async () => {
    const id = runId();
    const lock = join(tmpdir(), `sora-characters-e2e-build.lock`);
    const marker = join(ROOT, 'dist', `.e2e-built-${id}`);
    const deadline = Date.now() + 180_000;
    for (;;) {
      if (existsSync(marker)) return;
      try {
        mkdirSync(lock);
        writeFileSync(join(lock, 'pid'), String(process.pid));
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        // Held: wait, unless its holder is gone.
        let holder = NaN;
        try {
          holder = Number(readFileSync(join(lock, 'pid'), 'utf8'));
        } catch {
          /* being written */
        }
        if (Number.isInteger(holder) && holder > 0 && !alive(holder)) rmSync(lock, { recursive: true, force: true });
        if (Date.now() > deadline) throw new Error(`e2e: timed out waiting for the build lock ${lock}`);
        await sleep(200);
      }
    }
    try {
      if (existsSync(marker)) return;
      const tsc = await runNode([TSC, '-p', 'tsconfig.build.json']);
      if (tsc.code !== 0) throw new Error(`e2e: tsc -p tsconfig.build.json failed (exit ${tsc.code}):\n${tsc.output}`);
      // The page templates and assets, which tsc does not copy.
      const copy = await runNode([COPY_WEB_FILES]);
      if (copy.code !== 0) throw new Error(`e2e: scripts/copy-web-files.mjs failed (exit ${copy.code}):\n${copy.output}`);
      if (!existsSync(DIST_MAIN)) throw new Error(`e2e: the build did not produce ${DIST_MAIN}`);
      for (const name of readdirSync(join(ROOT, 'dist'))) {
        if (name.startsWith('.e2e-built-')) rmSync(join(ROOT, 'dist', name), { force: true });
      }
      writeFileSync(marker, new Date().toISOString());
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  })();
  return built;
}

/** A port nothing listens on right now (bound on 127.0.0.1:0, then released). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => res(port));
    });
  });
}

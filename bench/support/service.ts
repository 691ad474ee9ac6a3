/**
 * The service as `npm start` runs it: `tsc -p tsconfig.build.json` once, then
 * `node dist/main.js serve` on a free loopback port with a fresh DATA_DIR, static API_KEYS,
 * ALLOW_PRIVATE_URLS=true (the sources are on loopback) and LOG_LEVEL=warn; every other setting
 * is the embedded default, and MALLOC_ARENA_MAX=2 as `npm start` sets it. Also: an RSS sampler
 * reading /proc/<pid>/status every 50 ms.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, freePort } from '../../test/support/dist-build.js';
import { ROOT } from './inputs.js';
import { sleep } from './stats.js';

export const BENCH_KEY = 'sk-bench-key';
export const MAIN = join(ROOT, 'dist', 'main.js');

/** `tsc -p tsconfig.build.json` (what `npm start`'s prestart runs), under the lock the e2e suites use. */
export const buildService = ensureBuilt;
export { freePort };

export interface ChildServer {
  child: ChildProcess;
  pid: number;
  url: string;
  output(): string;
  stop(): Promise<void>;
}

const live = new Set<ChildServer>();

/** Kills every child server still running (crash path). */
export function killAllChildren(): void {
  for (const s of live) s.child.kill('SIGKILL');
}

/** Spawns `argv` with `env` and waits until GET <url><readyPath> answers 200. */
async function spawnServer(argv: string[], env: NodeJS.ProcessEnv, port: number, readyPath: string, cleanup?: () => Promise<void>): Promise<ChildServer> {
  const child = spawn(process.execPath, argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let ended = false;
  const exited = new Promise<void>((r) =>
    child.on('exit', () => {
      ended = true;
      r();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const server: ChildServer = {
    child,
    pid: child.pid!,
    url,
    output: () => out,
    async stop() {
      if (!ended) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
      live.delete(server);
      await cleanup?.();
    },
  };
  live.add(server);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (ended) {
      live.delete(server);
      throw new Error(`${argv.join(' ')} exited before it was ready:\n${out}`);
    }
    try {
      const res = await fetch(`${url}${readyPath}`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`${argv.join(' ')} was not ready within 60 s:\n${out}`);
    }
    await sleep(100);
  }
  return server;
}

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) {
    // Only the embedded defaults: nothing of the caller's service settings leaks in.
    if (
      /^(PORT|HOST|PUBLIC_URL|DATA_DIR|DATABASE_URL|STORAGE_URL|API_KEYS|NODE_OPTIONS|VITEST.*|NODE_ENV|WORKER_CONCURRENCY|MAX_SOURCE_BYTES|RANGE_READ_MIN_BYTES|SYNC_WAIT_MS|RATE_LIMIT_PER_MINUTE|WEBHOOK_URL|WEBHOOK_SECRET|LOG_LEVEL|ALLOW_PRIVATE_URLS|DOWNLOAD_TIMEOUT_MS|MAX_QUEUED_JOBS|PROFILE_PAGES|PROFILE_RATE_LIMIT_PER_MINUTE|WORKER_PORT|QUEUE_URL|QUEUE_PREFIX|SIGNALS_URL|SIGNALS_PREFIX|SIGNING_SECRET|S3_[A-Z_]+|AWS_[A-Z_]+)$/.test(
        k,
      )
    )
      delete env[k];
  }
  return { ...env, ...extra };
}

export interface ServiceProcess extends ChildServer {
  dataDir: string;
}

/** `node dist/main.js serve` (dist must be built) on embedded defaults. */
export async function startService(extraEnv: Record<string, string> = {}): Promise<ServiceProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sc-bench-data-'));
  const port = await freePort();
  const env = cleanEnv({
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: dataDir,
    API_KEYS: BENCH_KEY,
    ALLOW_PRIVATE_URLS: 'true',
    LOG_LEVEL: 'warn',
    // The read-path figures measure serving the page, not refusing it past the per-address limit.
    PROFILE_RATE_LIMIT_PER_MINUTE: 'off',
    MALLOC_ARENA_MAX: '2', // as `npm start` sets it
    ...extraEnv,
  });
  const s = await spawnServer([MAIN, 'serve'], env, port, '/healthz', () => rm(dataDir, { recursive: true, force: true }));
  return Object.assign(s, { dataDir });
}

/** `node dist/main.js worker` (dist must be built) with `extraEnv` (QUEUE_URL and the shared stores); ready when its /healthz answers. */
export async function startWorker(extraEnv: Record<string, string>): Promise<ChildServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sc-bench-worker-'));
  const port = await freePort();
  const env = cleanEnv({ WORKER_PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn', MALLOC_ARENA_MAX: '2', ...extraEnv });
  return spawnServer([MAIN, 'worker'], env, port, '/healthz', () => rm(dataDir, { recursive: true, force: true }));
}

/** `node dist/main.js migrate` with `extraEnv`, to the end; throws with its output when it fails. */
export async function runMigrate(extraEnv: Record<string, string>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sc-bench-migrate-'));
  try {
    const child = spawn(process.execPath, [MAIN, 'migrate'], {
      cwd: ROOT,
      env: cleanEnv({ DATA_DIR: dataDir, ...extraEnv }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    if (code !== 0) throw new Error(`migrate exited ${code}:\n${out}`);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The bare Fastify baseline of the read paths (bench/support/bare-fastify.ts) as its own process. */
export async function startBareFastify(bodiesDir: string): Promise<ChildServer> {
  const port = await freePort();
  const env = cleanEnv({ BARE_PORT: String(port), BARE_BODIES: bodiesDir });
  return spawnServer(['--import', 'tsx', join(ROOT, 'bench', 'support', 'bare-fastify.ts')], env, port, '/ready');
}

/** Reads VmRSS / VmHWM (bytes) of `pid`; null once it is gone. */
export async function readRss(pid: number): Promise<{ rss: number; hwm: number } | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return null;
  }
}

/** Every descendant of `pid` (ffmpeg, ffprobe). */
async function descendants(pid: number): Promise<number[]> {
  const out: number[] = [];
  const walk = async (p: number) => {
    let kids: number[] = [];
    try {
      const tasks = await import('node:fs/promises').then((fs) => fs.readdir(`/proc/${p}/task`));
      for (const t of tasks) {
        const text = await readFile(`/proc/${p}/task/${t}/children`, 'utf8').catch(() => '');
        kids.push(...text.split(/\s+/).filter(Boolean).map(Number));
      }
    } catch {
      kids = [];
    }
    for (const k of kids) {
      out.push(k);
      await walk(k);
    }
  };
  await walk(pid);
  return out;
}

export interface RssSampler {
  /** Starts a new phase: its peaks start from zero. */
  mark(): void;
  /** Peaks since the last mark: the server's own RSS, and the server with its children (ffmpeg). */
  peak(): { serverBytes: number; treeBytes: number; samples: number };
  stop(): Promise<void>;
}

/** Samples the RSS of `pid` (and of its process tree) every `everyMs`. */
export function sampleRss(pid: number, everyMs = 50): RssSampler {
  let server = 0;
  let tree = 0;
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const own = await readRss(pid);
      if (!own) break;
      let total = own.rss;
      for (const k of await descendants(pid)) {
        const r = (await readRss(k))?.rss;
        if (r !== undefined && Number.isFinite(r)) total += r; // a zombie has no VmRSS
      }
      server = Math.max(server, own.rss);
      tree = Math.max(tree, total);
      samples++;
      await sleep(everyMs);
    }
  })();
  return {
    mark() {
      server = 0;
      tree = 0;
      samples = 0;
    },
    peak: () => ({ serverBytes: server, treeBytes: tree, samples }),
    async stop() {
      running = false;
      await loop;
    },
  };
}

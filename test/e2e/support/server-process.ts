/**
 * The real service as a child process, started the way `npm start` starts it
 * (`node dist/main.js serve`), on a free loopback port and a temp DATA_DIR.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DIST_MAIN, ensureBuilt, freePort, ROOT } from '../../support/dist-build.js';

/** The entry `npm start` runs. SC_E2E_MAIN points the suites at another build of it (diagnosis only). */
export const MAIN = process.env.SC_E2E_MAIN ? resolve(process.env.SC_E2E_MAIN) : DIST_MAIN;

/** Static keys every e2e server accepts (besides stored ones). */
export const ALICE = 'sk-e2e-alice-key';
export const BOB = 'sk-e2e-bob-key';
export const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export { ensureBuilt, freePort, ROOT };

/** A fresh temp DATA_DIR. */
export const tempDataDir = () => mkdtemp(join(tmpdir(), 'sc-e2e-data-'));

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment a child process of this suite gets: the parent's, minus settings that would leak in. */
export function childEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const k of [
    'PORT',
    'WORKER_PORT',
    'HOST',
    'PUBLIC_URL',
    'DATA_DIR',
    'DATABASE_URL',
    'STORAGE_URL',
    'QUEUE_URL',
    'QUEUE_PREFIX',
    'SIGNALS_URL',
    'SIGNALS_PREFIX',
    'S3_ENDPOINT',
    'S3_REGION',
    'S3_FORCE_PATH_STYLE',
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'FILE_URLS',
    'API_KEYS',
    'ADMIN_API_KEYS',
    'NODE_OPTIONS',
  ]) {
    delete base[k];
  }
  // vitest sets these in its workers; the service should run as it does in production.
  delete base.VITEST;
  delete base.VITEST_POOL_ID;
  delete base.VITEST_WORKER_ID;
  delete base.NODE_ENV;
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete base[k];
    else base[k] = v;
  }
  return base;
}

/** Runs `node dist/main.js <args>` to completion (the CLI). */
export function runCli(args: string[], env: Record<string, string | undefined>, timeoutMs = 120_000): Promise<RunResult> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      rej(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      res({ code, signal, stdout, stderr });
    });
  });
}

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  /** http://127.0.0.1:<port> (also its PUBLIC_URL). */
  url: string;
  dataDir: string;
  stdout(): string;
  stderr(): string;
  /** The captured output, for failure messages. */
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<RunResult>;
  /** SIGTERM, then waits for the exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<RunResult>;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<RunResult>;
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

export interface StartOptions {
  /** Reuse a DATA_DIR (a restart); default: a fresh temp one. */
  dataDir?: string;
  port?: number;
  /** Extra or overriding settings; `undefined` removes one. */
  env?: Record<string, string | undefined>;
  /** How long to wait for /healthz. */
  readyTimeoutMs?: number;
  /** `serve` (default), or `worker`: then `port` is its WORKER_PORT listener (/healthz, /readyz, /metrics). */
  command?: 'serve' | 'worker';
}

const live = new Set<ServerProcess>();

/** Spawns the server as `npm start` does and waits until GET /healthz answers. */
export async function startServer(opts: StartOptions = {}): Promise<ServerProcess> {
  await ensureBuilt();
  const dataDir = opts.dataDir ?? (await tempDataDir());
  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const command = opts.command ?? 'serve';
  const env = childEnv({
    PORT: String(port),
    WORKER_PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    API_KEYS: `${ALICE},${BOB}`,
    ALLOW_PRIVATE_URLS: 'true',
    PUBLIC_URL: url,
    LOG_LEVEL: 'warn',
    ...opts.env,
  });
  const child = spawn(process.execPath, [MAIN, command], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<RunResult>((res) => {
    child.on('exit', (code, signal) => {
      // Let the pipes drain before reporting.
      setImmediate(() => res({ code, signal, stdout: out, stderr: err }));
    });
    child.on('error', (e) => {
      err += `\n[spawn error] ${e.message}`;
      res({ code: null, signal: null, stdout: out, stderr: err });
    });
  });
  const output = () => `--- server stdout ---\n${out}\n--- server stderr ---\n${err}`;
  let ended = false;
  void exited.then(() => (ended = true));

  const server: ServerProcess = {
    child,
    port,
    url,
    dataDir,
    stdout: () => out,
    stderr: () => err,
    output,
    exited,
    async stop(graceMs = 15_000) {
      if (!ended) child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (!ended) child.kill('SIGKILL');
      }, graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
        live.delete(server);
      }
    },
    async kill() {
      if (!ended) child.kill('SIGKILL');
      const r = await exited;
      live.delete(server);
      return r;
    },
    fetch: (path, init) => fetch(`${url}${path}`, init),
  };
  live.add(server);

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (ended) {
      live.delete(server);
      const r = await exited;
      if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
      throw new Error(`the server exited before answering /healthz (code ${r.code}, signal ${r.signal})\n${output()}`);
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) break;
      await res.body?.cancel();
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await server.kill();
      if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
      throw new Error(`the server did not answer /healthz within ${opts.readyTimeoutMs ?? 60_000} ms\n${output()}`);
    }
    await sleep(100);
  }
  return server;
}

/** Kills every server this worker started and has not stopped yet (an afterAll safety net). */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((s) => s.kill()));
}

/** Removes a temp folder. */
export const removeDir = (dir: string | undefined) => (dir ? rm(dir, { recursive: true, force: true }) : Promise.resolve());

/** Thrown by a waitFor probe to stop waiting at once (the awaited state can no longer come). */
export class StopWaiting extends Error {}

/** Polls `probe` until it returns a value other than undefined, or fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      if (e instanceof StopWaiting) throw e;
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await sleep(everyMs);
  }
}

import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('./s3rver-main.ts', import.meta.url));

/**
 * s3rver (an S3 imitation on the filesystem) in its own process on loopback, port 0, in a temp
 * folder: see s3rver-main.ts for what it takes to make s3rver 3.7.1 behave like S3 on Node 24.
 * s3rver does not verify SigV4 signatures (lib/middleware/authentication.js: "Signature version 4
 * calculation is unimplemeneted"): it checks the access key id, the x-amz-date skew and, for
 * presigned URLs, the X-Amz-Date/X-Amz-Expires window.
 */
export interface S3rverHandle {
  endpoint: string;
  port: number;
  accessKeyId: string;
  secretAccessKey: string;
  /** A fresh bucket. */
  newBucket(): Promise<string>;
  /** Every request s3rver received (up to the last `settled()`), as "METHOD /path?query". */
  requests: string[];
  /** Resolves once every request sent before it is in `requests`. */
  settled(): Promise<void>;
  /** Kills the process (the port is closed). */
  stop(): Promise<void>;
  /** Starts it again on the same port and folder. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startS3rver(): Promise<S3rverHandle> {
  const dir = await mkdtemp(path.join(tmpdir(), 's3rver-'));
  const requests: string[] = [];
  const waiting = new Map<string, () => void>();
  let child: ChildProcess | undefined;
  let port = 0;

  const start = async () => {
    const proc = spawn(process.execPath, ['--openssl-legacy-provider', MAIN, dir, String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    child = proc;
    let stderr = '';
    proc.stderr?.on('data', (d) => (stderr += d));
    const lines = createInterface({ input: proc.stdout! });
    port = await new Promise<number>((resolve, reject) => {
      proc.once('exit', (code) => reject(new Error(`s3rver exited (${code}): ${stderr}`)));
      lines.on('line', (line) => {
        if (line.startsWith('> ')) {
          const request = line.slice(2);
          const marker = /[?&]sc-settled=([0-9a-f]+)/.exec(request)?.[1];
          if (marker) waiting.get(marker)?.();
          else requests.push(request);
        } else if (line.startsWith('{')) {
          resolve((JSON.parse(line) as { port: number }).port);
        }
      });
    });
  };
  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGKILL');
    await exited;
  };
  await start();

  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    requests,
    async newBucket() {
      const name = `sc-test-${randomBytes(6).toString('hex')}`;
      const res = await fetch(`http://127.0.0.1:${port}/${name}`, { method: 'PUT' });
      if (!res.ok) throw new Error(`s3rver refused the bucket ${name}: ${res.status} ${await res.text()}`);
      return name;
    },
    async settled() {
      // The log is written in arrival order: once this request's line is read, every earlier one was.
      const marker = randomBytes(6).toString('hex');
      const seen = new Promise<void>((r) => waiting.set(marker, r));
      await (await fetch(`http://127.0.0.1:${port}/?sc-settled=${marker}`)).arrayBuffer();
      await seen;
      waiting.delete(marker);
    },
    stop,
    restart: start,
    async close() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

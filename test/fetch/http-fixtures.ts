import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { DownloadLimits } from '../../src/fetch/download-options.js';

export interface TestServer {
  port: number;
  /** Base URL as the server is reachable, e.g. http://127.0.0.1:1234 */
  origin: string;
  /** Paths of the requests the server received. */
  hits: string[];
  close(): Promise<void>;
}

export async function startServer(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void, host = '127.0.0.1'): Promise<TestServer> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    handler(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    port,
    origin: `http://${shownHost}:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers every request with `body` as video/mp4 and a Content-Length. */
export const serveBytes = (body: Buffer) => (_req: http.IncomingMessage, res: http.ServerResponse) => {
  res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': body.length });
  res.end(body);
};

export async function makeTempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fetch-test-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export const limits = (overrides: Partial<DownloadLimits> = {}): DownloadLimits => ({
  maxBytes: 1024 * 1024,
  timeoutMs: 5_000,
  allowPrivate: false,
  maxRedirects: 5,
  ...overrides,
});

/** Awaits a promise expected to reject and returns the error for assertions. */
export async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection, got a result');
}

/**
 * The origin the service downloads from: a node:http server on loopback. Files registered with
 * `ranges: true` answer Range requests (206) and advertise `Accept-Ranges: bytes`; the others
 * are sent whole (what an origin without Range support does). Bytes sent are counted per file.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServedFile {
  path: string;
  type?: string;
  ranges: boolean;
}

export interface FileServer {
  url(name: string): string;
  /** Bytes sent for `name` so far. */
  bytesSent(name: string): number;
  /** Every request of `name` since the last call: its Range header and the bytes read for it. */
  takeRequests(name: string): Array<{ range: string | null; bytes: number }>;
  /** Resolves when the next whole-body (200) response of `name` has been fully written. */
  nextFullSend(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function startFileServer(files: Record<string, ServedFile>): Promise<FileServer> {
  const sent = new Map<string, number>();
  const fullWaiters = new Map<string, Array<() => void>>();
  const count = (name: string, n: number) => sent.set(name, (sent.get(name) ?? 0) + n);
  const requests = new Map<string, Array<{ range: string | null; bytes: number }>>();
  const server: Server = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '/').slice(1).split('?')[0]);
    const f = files[name];
    if (!f || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404).end('not found');
      return;
    }
    const size = statSync(f.path).size;
    const type = f.type ?? 'video/mp4';
    const m = f.ranges ? /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '') : null;
    let start = 0;
    let end = size - 1;
    if (m) {
      start = Number(m[1]);
      if (start >= size) {
        res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
        return;
      }
      end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
      res.writeHead(206, {
        'content-type': type,
        'content-length': end - start + 1,
        'content-range': `bytes ${start}-${end}/${size}`,
        'accept-ranges': 'bytes',
      });
    } else {
      res.writeHead(200, { 'content-type': type, 'content-length': size, ...(f.ranges ? { 'accept-ranges': 'bytes' } : {}) });
    }
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(f.path, { start, end, highWaterMark: 256 * 1024 });
    const entry = { range: req.headers.range ?? null, bytes: 0 };
    requests.set(name, [...(requests.get(name) ?? []), entry]);
    stream.on('data', (c) => {
      count(name, c.length);
      entry.bytes += c.length;
    });
    stream.on('error', () => res.destroy());
    res.on('close', () => stream.destroy());
    if (!m) {
      res.on('finish', () => {
        for (const w of fullWaiters.get(name) ?? []) w();
        fullWaiters.delete(name);
      });
    }
    stream.pipe(res);
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: (name) => `http://127.0.0.1:${port}/${encodeURIComponent(name)}`,
    bytesSent: (name) => sent.get(name) ?? 0,
    takeRequests(name) {
      const r = requests.get(name) ?? [];
      requests.delete(name);
      return r;
    },
    nextFullSend: (name) =>
      new Promise<void>((r) => {
        const list = fullWaiters.get(name) ?? [];
        list.push(r);
        fullWaiters.set(name, list);
      }),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/**
 * A loopback origin that sends its files slowly: the full Content-Length at once, then `chunk`
 * bytes every `everyMs`, so a download stays in flight for a while. Counts requests per file.
 */
import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TrickleOrigin {
  url(name: string): string;
  /** Requests received per file name. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

export async function startTrickleOrigin(
  files: Record<string, { path: string; type: string }>,
  opts: { chunk: number; everyMs: number },
): Promise<TrickleOrigin> {
  const hits = new Map<string, number>();
  const open = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '/').slice(1).split('?')[0]);
    const f = files[name];
    if (!f) return void res.writeHead(404).end();
    hits.set(name, (hits.get(name) ?? 0) + 1);
    const bytes = readFileSync(f.path);
    res.writeHead(200, { 'content-type': f.type, 'content-length': bytes.length });
    open.add(res);
    let at = 0;
    const timer = setInterval(() => {
      if (res.destroyed) return void clearInterval(timer);
      res.write(bytes.subarray(at, at + opts.chunk));
      at += opts.chunk;
      if (at >= bytes.length) {
        clearInterval(timer);
        res.end();
      }
    }, opts.everyMs);
    res.on('close', () => {
      clearInterval(timer);
      open.delete(res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: (name) => `http://127.0.0.1:${port}/${name}`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        for (const res of open) res.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

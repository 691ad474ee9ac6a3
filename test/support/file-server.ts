import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A loopback HTTP server for test sources: `/<name>` serves the registered file, Range honoured. */
export async function startFileServer(files: Record<string, { path: string; type: string }>) {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '/').slice(1).split('?')[0]);
    hits.push(name);
    const f = files[name];
    if (!f) {
      res.writeHead(404).end('not found');
      return;
    }
    const size = statSync(f.path).size;
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (m) {
      const start = Number(m[1]);
      if (start >= size) {
        res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
        return;
      }
      const end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
      res.writeHead(206, {
        'content-type': f.type,
        'content-length': end - start + 1,
        'content-range': `bytes ${start}-${end}/${size}`,
        'accept-ranges': 'bytes',
      });
      createReadStream(f.path, { start, end }).pipe(res);
      return;
    }
    res.writeHead(200, { 'content-type': f.type, 'content-length': size, 'accept-ranges': 'bytes' });
    createReadStream(f.path).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: (name: string) => `http://127.0.0.1:${port}/${name}`,
    hits,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

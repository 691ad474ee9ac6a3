/**
 * Sources for the e2e suites: the face video (a drawn face on screen only inside a time window)
 * and a loopback file server that can stall a download on purpose.
 */
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeFaceVideo } from '../../support/faces.js';

/** A 640x360, 6 s H.264 video whose face is on screen for t in [faceFrom, faceTo]. */
export function faceVideo(dir: string, name = 'face', faceFrom = 0.5, faceTo = 5.5, durationSec = 6): Promise<string> {
  return makeFaceVideo(dir, name, { placement: { left: 380, top: 60, width: 180 }, faceFrom, faceTo, durationSec });
}

export interface StallingServer {
  url(name: string): string;
  /** Every request's path, in order. */
  hits: string[];
  /** Resolves once a request for `name` is being held. */
  stalled(name: string): Promise<void>;
  /** From now on `name` is served in full (requests already held stay held until their client goes). */
  release(name: string): void;
  close(): Promise<void>;
}

/**
 * Serves registered files; a file marked `stall` answers 200 with its full Content-Length, sends
 * its first bytes and then holds the connection open, so a download of it stays in flight.
 */
export async function startStallingServer(files: Record<string, { path: string; type: string; stall?: boolean }>): Promise<StallingServer> {
  const hits: string[] = [];
  const stalling = new Set(
    Object.entries(files)
      .filter(([, f]) => f.stall)
      .map(([n]) => n),
  );
  const held = new Set<ServerResponse>();
  const waiters = new Map<string, Array<() => void>>();
  const heldNames = new Set<string>();

  const server = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '/').slice(1).split('?')[0]);
    hits.push(name);
    const f = files[name];
    if (!f) {
      res.writeHead(404).end('not found');
      return;
    }
    const size = statSync(f.path).size;
    if (stalling.has(name)) {
      res.writeHead(200, { 'content-type': f.type, 'content-length': size });
      res.write(readFileSync(f.path).subarray(0, 64));
      held.add(res);
      res.on('close', () => held.delete(res));
      heldNames.add(name);
      for (const w of waiters.get(name) ?? []) w();
      waiters.delete(name);
      return;
    }
    res.writeHead(200, { 'content-type': f.type, 'content-length': size });
    createReadStream(f.path).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: (name) => `http://127.0.0.1:${port}/${name}`,
    hits,
    stalled: (name) => (heldNames.has(name) ? Promise.resolve() : new Promise<void>((r) => waiters.set(name, [...(waiters.get(name) ?? []), r]))),
    release: (name) => void stalling.delete(name),
    close: () =>
      new Promise<void>((r) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A loopback origin that trickles a file: a few bytes at a time, until told to send in full. */
import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TrickleOrigin {
  url: string;
  /** Bytes sent so far by trickled answers. */
  trickled(): number;
  /** From now on the file is sent at once (answers already trickling go on trickling). */
  release(): void;
  close(): Promise<void>;
}

export async function startTrickleOrigin(
  path: string,
  type: string,
  o: { bytes: number; everyMs: number } = { bytes: 256, everyMs: 100 },
): Promise<TrickleOrigin> {
  const body = readFileSync(path);
  let trickling = true;
  let sent = 0;
  const open = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': type, 'content-length': body.length });
    if (!trickling) {
      res.end(body);
      return;
    }
    open.add(res);
    let at = 0;
    const timer = setInterval(() => {
      if (res.destroyed || at >= body.length) {
        clearInterval(timer);
        timers.delete(timer);
        res.end();
        return;
      }
      const chunk = body.subarray(at, at + o.bytes);
      at += chunk.length;
      sent += chunk.length;
      res.write(chunk);
    }, o.everyMs);
    timers.add(timer);
    res.on('close', () => open.delete(res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/source.mp4`,
    trickled: () => sent,
    release: () => {
      trickling = false;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const t of timers) clearInterval(t);
        for (const res of open) res.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

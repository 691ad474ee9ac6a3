/**
 * A loopback TCP server that records every connection made to it and answers nothing useful:
 * SSRF tests point URLs at it in every notation and expect it to stay untouched. It listens on
 * 127.0.0.1 and, where the machine has IPv6 loopback, on [::1] at the same port.
 */

import type { AddressInfo } from 'node:net';
import net from 'node:net';

export interface Canary {
  port: number;
  /** Remote addresses of the connections seen, in order. */
  connections: string[];
  ipv6: boolean;
  close(): Promise<void>;
}

export async function startCanary(): Promise<Canary> {
  const connections: string[] = [];
  const sockets = new Set<net.Socket>();
  const onConnection = (socket: net.Socket) => {
    connections.push(`${socket.remoteAddress}:${socket.remotePort} -> ${socket.localAddress}`);
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.end('HTTP/1.1 200 OK\r\ncontent-type: video/mp4\r\ncontent-length: 4\r\n\r\nleak');
  };
  const v4 = net.createServer(onConnection);
  await new Promise<void>((resolve, reject) => {
    v4.once('error', reject);
    v4.listen(0, '127.0.0.1', resolve);
  });
  const port = (v4.address() as AddressInfo).port;
  const v6 = net.createServer(onConnection);
  const ipv6 = await new Promise<boolean>((resolve) => {
    v6.once('error', () => resolve(false));
    v6.listen(port, '::1', () => resolve(true));
  });
  return {
    port,
    connections,
    ipv6,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => v4.close(() => r()));
      if (ipv6) await new Promise<void>((r) => v6.close(() => r()));
    },
  };
}

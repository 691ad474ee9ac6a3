/**
 * A raw TCP origin on 127.0.0.1 for tests of misbehaving sources: it parses each request head
 * itself and lets the test write whatever bytes it likes to the socket (or none, or a reset),
 * which node:http would never let a server do.
 */

import type { AddressInfo } from 'node:net';
import net from 'node:net';

export interface RawRequest {
  method: string;
  path: string;
  /** Lower-cased names. */
  headers: Record<string, string>;
}

/** Answers one request on `socket`; further requests on the same connection come to it again. */
export type RawAnswer = (socket: net.Socket, req: RawRequest) => void;

export interface RawOrigin {
  port: number;
  url(path?: string): string;
  /** Every request received, in order. */
  requests: RawRequest[];
  close(): Promise<void>;
}

const MAX_HEAD_BYTES = 64 * 1024;

export async function startRawOrigin(answer: RawAnswer): Promise<RawOrigin> {
  const requests: RawRequest[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // The client going away mid-answer is expected here.
    socket.on('error', () => {});
    let pending = Buffer.alloc(0);
    socket.on('data', (data) => {
      pending = Buffer.concat([pending, data]);
      for (let end = pending.indexOf('\r\n\r\n'); end !== -1; end = pending.indexOf('\r\n\r\n')) {
        const req = parseHead(pending.subarray(0, end).toString('latin1'));
        pending = pending.subarray(end + 4);
        requests.push(req);
        answer(socket, req);
      }
      if (pending.length > MAX_HEAD_BYTES) socket.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: (path = '/v.mp4') => `http://127.0.0.1:${port}${path}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function parseHead(head: string): RawRequest {
  const [requestLine, ...lines] = head.split('\r\n');
  const [method = '', path = ''] = requestLine.split(' ');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { method, path, headers };
}

/** `HTTP/1.1 <status>` with these headers, as raw bytes. */
export function head(status: string, headers: Record<string, string | number>): string {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
  return `HTTP/1.1 ${status}\r\n${lines.join('')}\r\n`;
}

/** The requested byte range of a `Range: bytes=a-b` header, clamped to `size`; null without one. */
export function requestedRange(req: RawRequest, size: number): { start: number; end: number } | null {
  const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  if (!m) return null;
  const start = Number(m[1]);
  return { start, end: m[2] ? Math.min(Number(m[2]), size - 1) : size - 1 };
}

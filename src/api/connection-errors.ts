import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { type ConnectionError, connectionErrorToAppError, envelopeOf } from './error-handler.js';
import { SECURITY_HEADERS } from './security-headers.js';

/** How long a refused client gets to read the answer before its socket is destroyed. */
const LINGER_MS = 1_000;

/**
 * Fastify's `clientErrorHandler`: what Node's parser or timeouts refused (no request exists
 * yet) is answered on the raw socket, in the envelope, and the connection is closed.
 */
export function answerConnectionError(err: ConnectionError, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  // A response already under way (a slow body of a routed request) cannot get a second status line.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    const { status, body } = envelopeOf(connectionErrorToAppError(err));
    const payload = JSON.stringify(body);
    const head = [
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
      'content-type: application/json; charset=utf-8',
      `content-length: ${Buffer.byteLength(payload)}`,
      ...Object.entries(SECURITY_HEADERS).map(([k, v]) => `${k}: ${v}`),
      'connection: close',
    ];
    socket.end(`${head.join('\r\n')}\r\n\r\n${payload}`);
  }
  // end() waits for the client to close its side; one that never does is not waited for.
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

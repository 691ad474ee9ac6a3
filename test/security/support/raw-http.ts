/** A raw TCP client on loopback, for what fetch cannot do: trickle bytes, hold sockets, read exact answers. */
import { connect, type Socket } from 'node:net';

export interface RawExchange {
  /** Everything the server sent, as latin1. */
  received: string;
  /** Whether the server closed the connection before `giveUpMs`. */
  closedByServer: boolean;
  /** When the connection ended (closed by the server, or given up), since connect. */
  elapsedMs: number;
}

export interface RawOptions {
  /** Pause between chunks; the rest is not sent once the server has closed. */
  gapMs?: number;
  /** The exchange ends here at the latest (the socket is then destroyed). */
  giveUpMs: number;
}

/** Connects, sends `chunks` one by one, and waits until the server closes or `giveUpMs` passes. */
export function rawExchange(port: number, chunks: Array<string | Buffer>, opts: RawOptions): Promise<RawExchange> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let sendTimer: NodeJS.Timeout | undefined;
    const finish = (closedByServer: boolean) => {
      clearTimeout(sendTimer);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ received: Buffer.concat(received).toString('latin1'), closedByServer, elapsedMs: Date.now() - started });
    };
    const giveUp = setTimeout(() => finish(false), opts.giveUpMs);
    socket.on('data', (d) => received.push(d));
    socket.on('error', () => {});
    socket.on('close', () => finish(true));
    let i = 0;
    const sendNext = () => {
      if (socket.destroyed || i >= chunks.length) return;
      socket.write(chunks[i++]);
      sendTimer = setTimeout(sendNext, opts.gapMs ?? 0);
    };
    socket.once('connect', sendNext);
  });
}

/** An open connection to write requests on and read answers from, one at a time. */
export interface HeldConnection {
  socket: Socket;
  /** Sends a request and resolves with the raw answer once `complete` says it is whole (or rejects after `timeoutMs`). */
  request(text: string, timeoutMs?: number): Promise<string>;
  /** Resolves true when the server closes the connection within `timeoutMs`, false otherwise. */
  closed(timeoutMs: number): Promise<boolean>;
}

export function holdConnection(port: number): Promise<HeldConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let buffer = '';
    let isClosed = false;
    const closeWaiters: Array<() => void> = [];
    socket.on('data', (d) => (buffer += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => {
      isClosed = true;
      for (const w of closeWaiters.splice(0)) w();
    });
    socket.once('error', reject);
    socket.once('connect', () =>
      resolve({
        socket,
        request(text, timeoutMs = 5_000) {
          buffer = '';
          socket.write(text);
          return new Promise((res, rej) => {
            const deadline = Date.now() + timeoutMs;
            const poll = () => {
              const answer = parseRawResponse(buffer);
              if (answer && Buffer.byteLength(answer.body, 'latin1') >= Number(answer.headers['content-length'] ?? 0)) return res(buffer);
              if (isClosed) return rej(new Error(`the connection closed before a whole answer: ${JSON.stringify(buffer)}`));
              if (Date.now() > deadline) return rej(new Error(`no whole answer within ${timeoutMs} ms: ${JSON.stringify(buffer)}`));
              setTimeout(poll, 10);
            };
            poll();
          });
        },
        closed(timeoutMs) {
          if (isClosed) return Promise.resolve(true);
          return new Promise((res) => {
            const timer = setTimeout(() => res(false), timeoutMs);
            closeWaiters.push(() => {
              clearTimeout(timer);
              res(true);
            });
          });
        },
      }),
    );
  });
}

export interface RawResponse {
  status: number;
  /** Lowercase names. */
  headers: Record<string, string>;
  body: string;
}

/** The first answer of a raw exchange (status line, headers, body as received); null before the headers are whole. */
export function parseRawResponse(text: string): RawResponse | null {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? NaN);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = headers['content-length'];
  const rest = text.slice(end + 4);
  return { status, headers, body: length === undefined ? rest : rest.slice(0, Number(length)) };
}

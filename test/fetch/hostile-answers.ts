/**
 * The ways an origin can misbehave, as answers of a raw origin (see raw-origin.ts). Each serves
 * `bytes` (the file the origin stands for), or part of it, or something else entirely.
 */
import { head, type RawAnswer, requestedRange } from './raw-origin.js';

const VIDEO = { 'content-type': 'video/mp4' };
const half = (bytes: Buffer) => bytes.subarray(0, Math.floor(bytes.length / 2));

/** HTTP/1.0 with a Content-Length, closing after the body: what `python3 -m http.server` does. */
export const http10WithLength =
  (bytes: Buffer): RawAnswer =>
  (socket) => {
    socket.end(Buffer.concat([Buffer.from(head('200 OK', { ...VIDEO, 'content-length': bytes.length }).replace('HTTP/1.1', 'HTTP/1.0')), bytes]));
  };

/** HTTP/1.0 without a length: the body ends when the connection does. */
export const http10WithoutLength =
  (bytes: Buffer): RawAnswer =>
  (socket) => {
    socket.end(Buffer.concat([Buffer.from(head('200 OK', VIDEO).replace('HTTP/1.1', 'HTTP/1.0')), bytes]));
  };

/** HTTP/1.1 `Connection: close` without a length, the body written in pieces. */
export const connectionCloseWithoutLength =
  (bytes: Buffer): RawAnswer =>
  (socket) => {
    socket.write(head('200 OK', { ...VIDEO, connection: 'close' }));
    for (let i = 0; i < bytes.length; i += 16 * 1024) socket.write(bytes.subarray(i, i + 16 * 1024));
    socket.end();
  };

/** Declares the whole length, sends half and closes cleanly. */
export const closeEarly =
  (bytes: Buffer): RawAnswer =>
  (socket) => {
    socket.write(head('200 OK', { ...VIDEO, 'content-length': bytes.length }));
    socket.end(half(bytes));
  };

/** Declares the whole length, sends half and resets the connection (RST). */
export const resetMidBody =
  (bytes: Buffer): RawAnswer =>
  (socket) => {
    socket.write(head('200 OK', { ...VIDEO, 'content-length': bytes.length }));
    socket.write(half(bytes), () => socket.resetAndDestroy());
  };

/** Declares the whole length, sends half and destroys the socket (a FIN, no more bytes). */
export const destroyMidBody =
  (bytes: Buffer): RawAnswer =>
  (socket) => {
    socket.write(head('200 OK', { ...VIDEO, 'content-length': bytes.length }));
    socket.write(half(bytes), () => socket.destroy());
  };

/** Reads the request and closes the connection without a byte. */
export const closeWithoutAnswer = (): RawAnswer => (socket) => {
  socket.end();
};

/** Reads the request and resets the connection without a byte. */
export const resetWithoutAnswer = (): RawAnswer => (socket) => {
  socket.resetAndDestroy();
};

/** Reads the request and never answers. */
export const stallBeforeHeaders = (): RawAnswer => () => {};

/** Sends the headers and then nothing. */
export const stallAfterHeaders =
  (bytes: Buffer): RawAnswer =>
  (socket) => {
    socket.write(head('200 OK', { ...VIDEO, 'content-length': bytes.length }));
  };

/** Sends the headers and half the body, then holds the connection open. */
export const stallMidBody =
  (bytes: Buffer): RawAnswer =>
  (socket) => {
    socket.write(head('200 OK', { ...VIDEO, 'content-length': bytes.length }));
    socket.write(half(bytes));
  };

/** Declares fewer bytes than it sends (the rest follows in the same write) and keeps the connection. */
export const moreThanLength =
  (bytes: Buffer, declared: number): RawAnswer =>
  (socket) => {
    socket.write(Buffer.concat([Buffer.from(head('200 OK', { ...VIDEO, 'content-length': declared })), bytes]));
  };

/** Announces `declared` bytes, sends a few and holds the connection. */
export const declaresLength =
  (declared: number): RawAnswer =>
  (socket) => {
    socket.write(head('200 OK', { ...VIDEO, 'content-length': declared }));
    socket.write(Buffer.alloc(1024));
  };

/** Junk where the status line should be. */
export const garbageStatusLine = (): RawAnswer => (socket) => {
  socket.end('SPDY/9 banana split\r\n\x00\x01\x02\r\n\r\nmore junk');
};

/** A Content-Length that is not a number. */
export const invalidContentLength =
  (bytes: Buffer): RawAnswer =>
  (socket) => {
    socket.end(Buffer.concat([Buffer.from(head('200 OK', { ...VIDEO, 'content-length': `${bytes.length}abc` })), bytes]));
  };

/** A header line without a colon, and a control character in a header value. */
export const invalidHeaderLines =
  (bytes: Buffer): RawAnswer =>
  (socket) => {
    socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\nthis is not a header\r\nx-bad: a\x01b\r\ncontent-length: ${bytes.length}\r\n\r\n`), bytes]));
  };

/** Two different Content-Lengths. */
export const conflictingContentLengths =
  (bytes: Buffer): RawAnswer =>
  (socket) => {
    socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 200 OK\r\ncontent-length: ${bytes.length}\r\ncontent-length: 7\r\n\r\n`), bytes]));
  };

/** Chunked, with a chunk size that is not hex, after one good chunk. */
export const badChunkedEncoding =
  (bytes: Buffer): RawAnswer =>
  (socket) => {
    const first = half(bytes);
    socket.write(head('200 OK', { ...VIDEO, 'transfer-encoding': 'chunked' }));
    socket.write(`${first.length.toString(16)}\r\n`);
    socket.write(first);
    socket.end('\r\nZZZZ\r\nnot a chunk\r\n');
  };

/** A chunked body with a chunk announced longer than what follows, then the connection closes. */
export const truncatedChunk =
  (bytes: Buffer): RawAnswer =>
  (socket) => {
    socket.write(head('200 OK', { ...VIDEO, 'transfer-encoding': 'chunked' }));
    socket.write(`${bytes.length.toString(16)}\r\n`);
    socket.end(half(bytes));
  };

/** Headers larger than any client keeps. */
export const hugeHeaders = (): RawAnswer => (socket) => {
  socket.end(head('200 OK', { ...VIDEO, 'x-filler': 'x'.repeat(256 * 1024), 'content-length': 0 }));
};

/** A redirect to `location`. */
export const redirectTo =
  (location: string): RawAnswer =>
  (socket) => {
    socket.write(head('302 Found', { location, 'content-length': 0 }));
  };

/** A redirect whose announced body never comes. */
export const redirectThenStall =
  (location: string): RawAnswer =>
  (socket) => {
    socket.write(head('302 Found', { location, 'content-length': 10_000 }));
  };

/** An error status with a small HTML body. */
export const answerStatus =
  (status: number): RawAnswer =>
  (socket) => {
    const body = `<h1>${status}</h1>`;
    socket.write(head(`${status} Whatever`, { 'content-type': 'text/html', 'content-length': body.length }) + body);
  };

/** An error status whose body never comes. */
export const statusThenStall =
  (status: number): RawAnswer =>
  (socket) => {
    socket.write(head(`${status} Whatever`, { 'content-type': 'text/html', 'content-length': 10_000 }));
  };

export type RangeMisbehaviour = 'reset' | 'reset-before-body' | 'stall' | 'wrong-range' | 'ignore-range';

/**
 * An origin that advertises Range and honours the one-byte probe (`bytes=0-0`), then misbehaves
 * on every other range request: resets or stalls half-way, resets right after the headers,
 * answers a range other than the one asked, or answers 200 with the whole file.
 */
export const rangeOrigin =
  (bytes: Buffer, misbehaviour: RangeMisbehaviour | null): RawAnswer =>
  (socket, req) => {
    const size = bytes.length;
    const range = requestedRange(req, size);
    if (!range) {
      socket.write(head('200 OK', { ...VIDEO, 'content-length': size, 'accept-ranges': 'bytes' }));
      socket.write(bytes);
      return;
    }
    const honest = (start: number, end: number) =>
      head('206 Partial Content', { ...VIDEO, 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${size}`, 'accept-ranges': 'bytes' });
    const { start, end } = range;
    const asked = bytes.subarray(start, end + 1);
    if (misbehaviour === null || (start === 0 && end === 0)) {
      socket.write(Buffer.concat([Buffer.from(honest(start, end)), asked]));
      return;
    }
    if (misbehaviour === 'ignore-range') {
      socket.write(Buffer.concat([Buffer.from(head('200 OK', { ...VIDEO, 'content-length': size })), bytes]));
      return;
    }
    if (misbehaviour === 'wrong-range') {
      // One byte later than asked, as if the origin counted from 1.
      const shifted = Math.min(start + 1, end);
      socket.write(Buffer.concat([Buffer.from(honest(shifted, end)), bytes.subarray(shifted, end + 1)]));
      return;
    }
    if (misbehaviour === 'reset-before-body') {
      socket.write(honest(start, end), () => socket.resetAndDestroy());
      return;
    }
    socket.write(honest(start, end));
    if (misbehaviour === 'stall') socket.write(half(asked));
    else socket.write(half(asked), () => socket.resetAndDestroy());
  };

import { Readable } from 'node:stream';
/**
 * A multipart/form-data body written byte by byte, so field names and values can be anything a
 * client could put on the wire (quotes, CR LF, brackets, thousands of fields), which FormData
 * would escape or refuse.
 */
export interface RawPart {
  name: string;
  value: string | Buffer;
  /** Present: the part is a file. */
  filename?: string;
  type?: string;
}

export function rawMultipart(parts: RawPart[], boundary = `----sc-fuzz-${Math.random().toString(16).slice(2)}`) {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    let head = `--${boundary}\r\ncontent-disposition: form-data; name="${p.name}"`;
    if (p.filename !== undefined) head += `; filename="${p.filename}"\r\ncontent-type: ${p.type ?? 'application/octet-stream'}`;
    chunks.push(Buffer.from(`${head}\r\n\r\n`, 'utf8'), Buffer.isBuffer(p.value) ? p.value : Buffer.from(p.value, 'utf8'), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/**
 * The body as a socket hands it over: chunks of at most 64 KiB. app.inject would otherwise give
 * the parser the whole body in one write, which no socket does, and in which @fastify/busboy
 * 3.2.6 stalls on a skipped part (no usable content-disposition) larger than its 64 KiB buffer.
 */
export function socketChunks(payload: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < payload.length; i += 64 * 1024) yield payload.subarray(i, i + 64 * 1024);
    })(),
  );
}

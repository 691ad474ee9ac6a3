import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BlobLoader, BlobStore, LoadedBlob } from '../blobs/ports.js';
import { AppError } from '../errors.js';
import { parseRange } from './serve-range.js';

type Blobs = Pick<BlobStore, 'stat' | 'read'> & Partial<BlobLoader>;

/**
 * Sends a blob with its type, honouring a single `Range` (206, or 416 when unsatisfiable). A
 * store that can `load` hands small blobs over as bytes (kept in memory); others are streamed.
 */
export async function sendBlob(req: FastifyRequest, reply: FastifyReply, blobs: Blobs, key: string, contentType?: string): Promise<FastifyReply> {
  const meta = blobs.load ? await blobs.load(key) : await blobs.stat(key);
  if (!meta) throw new AppError('not_found', 'this file no longer exists');
  const bytes = (meta as Partial<LoadedBlob>).bytes ?? null;
  reply.header('accept-ranges', 'bytes').header('content-type', contentType ?? meta.contentType);
  const range = parseRange(req.headers.range, meta.size);
  if (range === 'unsatisfiable') return reply.code(416).header('content-range', `bytes */${meta.size}`).send();
  if (range) {
    reply
      .code(206)
      .header('content-range', `bytes ${range.start}-${range.end}/${meta.size}`)
      .header('content-length', String(range.end - range.start + 1));
    return reply.send(bytes ? bytes.subarray(range.start, range.end + 1) : await blobs.read(key, range));
  }
  return reply.header('content-length', String(meta.size)).send(bytes ?? (await blobs.read(key)));
}

import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.js';
import { parseRange } from '../storage/serve-range.js';
import type { BlobStore } from '../storage/types.js';

/** Streams a blob with its type, honouring a single `Range` (206, or 416 when unsatisfiable). */
export async function sendBlob(
  req: FastifyRequest,
  reply: FastifyReply,
  blobs: Pick<BlobStore, 'stat' | 'read'>,
  key: string,
  contentType?: string,
): Promise<FastifyReply> {
  const meta = await blobs.stat(key);
  if (!meta) throw new AppError('not_found', 'this file no longer exists');
  reply.header('accept-ranges', 'bytes').header('content-type', contentType ?? meta.contentType);
  const range = parseRange(req.headers.range, meta.size);
  if (range === 'unsatisfiable') return reply.code(416).header('content-range', `bytes */${meta.size}`).send();
  if (range) {
    reply
      .code(206)
      .header('content-range', `bytes ${range.start}-${range.end}/${meta.size}`)
      .header('content-length', String(range.end - range.start + 1));
    return reply.send(await blobs.read(key, range));
  }
  return reply.header('content-length', String(meta.size)).send(await blobs.read(key));
}

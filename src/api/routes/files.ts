import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.js';
import { parseRange } from '../../storage/serve-range.js';
import { verifyFileSignature } from '../../storage/signed-url.js';
import type { BlobStore } from '../../storage/types.js';

/** GET /files/<key>?exp=&sig=: signed media, with single-range support. */
export function fileRoutes(blobs: BlobStore, secret: string) {
  return async (app: FastifyInstance) => {
    app.get<{ Params: { '*': string }; Querystring: { exp?: string; sig?: string } }>(
      '/files/*',
      { schema: { hide: true } },
      async (req, reply) => {
        const key = req.params['*'];
        const verdict = verifyFileSignature(secret, key, req.query.exp, req.query.sig, Math.floor(Date.now() / 1000));
        const exp = Number(req.query.exp);
        if (verdict !== 'ok') {
          throw new AppError('invalid_signature', verdict === 'expired' ? 'this file link has expired' : 'this file link is not valid');
        }
        const meta = await blobs.stat(key);
        if (!meta) throw new AppError('not_found', 'this file no longer exists');
        reply
          .header('accept-ranges', 'bytes')
          .header('content-type', meta.contentType)
          .header('cache-control', `private, max-age=${Math.max(0, exp - Math.floor(Date.now() / 1000))}`);
        const range = parseRange(req.headers.range, meta.size);
        if (range === 'unsatisfiable') {
          return reply.code(416).header('content-range', `bytes */${meta.size}`).send();
        }
        if (range) {
          reply
            .code(206)
            .header('content-range', `bytes ${range.start}-${range.end}/${meta.size}`)
            .header('content-length', String(range.end - range.start + 1));
          return reply.send(await blobs.read(key, range));
        }
        reply.header('content-length', String(meta.size));
        return reply.send(await blobs.read(key));
      },
    );
  };
}

import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { BlobLoader, BlobStore } from '../../blobs/ports.js';
import { unixNow } from '../../clock.js';
import { AppError } from '../../errors.js';
import { errorResponses } from '../schemas/common.js';
import { sendBlob } from '../send-blob.js';
import { verifyFileSignature } from '../signed-url.js';

/** GET /files/<key>?exp=&sig=: signed media, with single-range support. */
export function fileRoutes(blobs: BlobStore & Partial<BlobLoader>, secret: string) {
  return async (app: FastifyInstance) => {
    app.get<{ Params: { '*': string }; Querystring: { exp?: string; sig?: string } }>(
      '/files/*',
      {
        schema: {
          tags: ['files'],
          summary: 'Signed media (portraits, clips, reference frames), Range supported',
          security: [],
          querystring: z.object({
            exp: z
              .union([z.string(), z.array(z.string())])
              .optional()
              .describe('expiry, unix seconds'),
            sig: z
              .union([z.string(), z.array(z.string())])
              .optional()
              .describe('HMAC signature of the key and exp'),
          }),
          response: { ...errorResponses(403, 404, 416) },
        },
      },
      async (req, reply) => {
        const key = req.params['*'];
        const now = unixNow();
        const verdict = verifyFileSignature(secret, key, req.query.exp, req.query.sig, now);
        if (verdict !== 'ok') {
          throw new AppError('invalid_signature', verdict === 'expired' ? 'this file link has expired' : 'this file link is not valid');
        }
        reply.header('cache-control', `private, max-age=${Math.max(0, Number(req.query.exp) - now)}`);
        return sendBlob(req, reply, blobs, key);
      },
    );
  };
}

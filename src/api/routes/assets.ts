import type { FastifyInstance } from 'fastify';
import { assets } from '../../web/assets.js';

/** GET /assets/<name>-<hash>.<ext>: the pages' CSS and scripts, named after their content and so cached for good. */
export function assetRoutes() {
  return async (app: FastifyInstance) => {
    for (const a of assets().values()) {
      app.get(a.path, { schema: { hide: true } }, (_req, reply) => {
        reply.type(a.type).header('cache-control', 'public, max-age=31536000, immutable').send(a.body);
      });
    }
  };
}

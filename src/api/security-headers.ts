import type { FastifyInstance } from 'fastify';

/** Headers every answer carries, errors and files included. */
export const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Registered on the root instance before any route, so every route and the 404 handler get them. */
export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', async (_req, reply) => {
    reply.headers(SECURITY_HEADERS);
  });
}
